# Independent reference values (Python decimal, 50 digits, bisection) for lendkit's testdata.
from decimal import Decimal as D, getcontext
import datetime
getcontext().prec = 60
def bisect(f, lo, hi, it=400):
    flo = f(lo)
    for _ in range(it):
        mid = (lo+hi)/2
        fm = f(mid)
        if (fm > 0) == (flo > 0): lo, flo = mid, fm
        else: hi = mid
    return (lo+hi)/2
def powr(b, e):  # b^e for Decimal e via exp/ln
    return (e * b.ln()).exp()
def irr(vals):
    return bisect(lambda r: sum(v / (1+r)**i for i, v in enumerate(vals)), D("-0.99"), D("10"))
def xirr(vals, dates):
    d0 = min(dates)
    return bisect(lambda r: sum(v / powr(1+r, D((d-d0).days)/D(365)) for v, d in zip(vals, dates)), D("-0.99"), D("10"))
print("RATE(48,-200,8000) =", irr([D(-8000)] + [D(200)]*48))
print("IRR 5y =", irr([D(x) for x in (-70000,12000,15000,18000,21000,26000)]))
print("IRR 4y =", irr([D(x) for x in (-70000,12000,15000,18000,21000)]))
print("IRR 2y =", irr([D(x) for x in (-70000,12000,15000)]))
dt = lambda s: datetime.date.fromisoformat(s)
print("XIRR doc =", xirr([D(x) for x in (-10000,2750,4250,3250,2750)], [dt(s) for s in ("2008-01-01","2008-03-01","2008-10-30","2009-02-15","2009-04-01")]))
print("EU 546 days =", powr(D(1200)/D(1000), D(365)/D(546)) - 1)
r = D("0.08")/12; n=10
print("PMT(8%/12,10,10000) =", D(10000)*r/(1-(1+r)**-n))
r = D("0.1")/12
print("PPMT(10%/12,1,24,2000) =", D(2000)*r/(1-(1+r)**-24) - D(2000)*r)
r = D("0.12")/12
print("PMT(1%,18,5000)=", D(5000)*r/(1-(1+r)**-18))
r = D("0.094822")/12
print("PMT(9.4822%/12,6,100)=", D(100)*r/(1-(1+r)**-6))
r = D("0.05")/12
print("PMT(5%/12,36,10000)=", D(10000)*r/(1-(1+r)**-36))
print("(1+0.05/12)^12-1=", (1+r)**12-1)
