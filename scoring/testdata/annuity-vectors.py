# Reference annuity vectors for lendkit/scoring, computed with exact rational
# arithmetic (Python fractions.Fraction), independent of the Go code.
# instalment:   P * i / (1 - (1+i)**-n), i = rate/12, rounded half-up to the cent
# maxprincipal: I / (1/a + ins/12), a = (1 - (1+i)**-n)/i (a = n when i = 0), rounded down
from fractions import Fraction as F
from decimal import Decimal, ROUND_HALF_UP, ROUND_DOWN, getcontext
import random
getcontext().prec = 80
def q(x, mode):
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal('0.01'), rounding=mode)
def factor(r, n):
    i = F(r) / 12
    return F(n) if i == 0 else (1 - (1 + i) ** -n) / i
rng = random.Random(20261122)
rows = []
fixed = [("instalment","10000.00","0.05",12,"0"),("instalment","200000.00","0.035",240,"0"),
         ("instalment","15000.00","0.042",60,"0"),("instalment","1200.00","0",12,"0"),
         ("maxprincipal","1000.00","0.035",240,"0"),("maxprincipal","1000.00","0.035",240,"0.0036"),
         ("maxprincipal","450.50","0.049",84,"0.003"),("maxprincipal","100.00","0",12,"0")]
for k in range(40):
    kind = "instalment" if k % 2 == 0 else "maxprincipal"
    amount = "%d.%02d" % (rng.randint(1, 500000 if kind == "instalment" else 5000), rng.randint(0, 99))
    rate = str(Decimal(rng.randint(0, 2500)) / Decimal(10000))
    n = rng.choice([1, 6, 12, 24, 36, 48, 60, 84, 120, 180, 240, 300, 360])
    ins = "0" if kind == "instalment" else str(Decimal(rng.randint(0, 60)) / Decimal(10000))
    fixed.append((kind, amount, rate, n, ins))
print("# Reference annuity vectors, computed with exact rational arithmetic (Python")
print("# fractions.Fraction; decimal quantize to the cent), independent of the Go code:")
print("#   instalment:   P*i/(1-(1+i)^-n), i = rate/12, rounded half-up")
print("#   maxprincipal: I/(1/a + ins/12), a = (1-(1+i)^-n)/i (n when i = 0), rounded down")
print("# Generator: annuity-vectors.py in this directory (python3 annuity-vectors.py),")
print("# seed 20261122. Columns: kind,amount,rate,term,insurance,expected")
for kind, amount, rate, n, ins in fixed:
    f = factor(rate, n)
    if kind == "instalment":
        exp = q(F(amount) / f, ROUND_HALF_UP)
    else:
        exp = q(F(amount) / (1 / f + F(ins) / 12), ROUND_DOWN)
    print(",".join([kind, amount, rate, str(n), ins, str(exp)]))
