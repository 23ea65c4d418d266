package ledger

import (
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite testdata/hashes.golden")

// TestHashesGolden pins the hash encodings: a change would make Verify reject
// every ledger written before it. If a change is intended, introduce a new
// domain tag (v2) that Verify accepts beside v1, then run with -update.
func TestHashesGolden(t *testing.T) {
	t.Parallel()
	eur := func(m int64) lendkit.Money { return lendkit.New(m, lendkit.EUR) }
	req := Transfer{Key: "k-1", Code: "funding", Description: "Alice → project 7", EffectiveDate: lendkit.MustParseDate("2027-01-15"),
		Metadata: map[string]string{"project": "7", "lender": "alice"},
		Postings: []Posting{Dr("wallet:alice", eur(12345)), Cr("escrow:7", eur(12345))}}
	tx := store.Transaction{
		ID: "0123456789abcdef0123456789abcdef", Key: req.Key, PayloadHash: payloadHash("transfer", req, time.Time{}, ""),
		Kind: store.KindTransfer, Code: req.Code, Description: req.Description, EffectiveDate: req.EffectiveDate, Metadata: req.Metadata,
		CreatedAt: time.Date(2027, 1, 15, 9, 30, 0, 123456000, time.UTC),
		Postings: []store.Posting{
			{AccountID: "wallet:alice", Side: store.Debit, Amount: eur(12345), Kind: store.EntryPosted, Seq: 4},
			{AccountID: "escrow:7", Side: store.Credit, Amount: eur(12345), Kind: store.EntryPosted, Seq: 1},
		},
	}
	tx.Hash = txHash(&tx)
	prev := make([]byte, 32)
	p0 := postingHash(prev, "wallet:alice", 4, tx.ID, tx.Hash, 0, &tx.Postings[0])
	p1 := postingHash(nil, "escrow:7", 1, tx.ID, tx.Hash, 1, &tx.Postings[1])
	got := fmt.Sprintf("payload %x\ntx %x\nposting0 %x\nposting1 %x\n", tx.PayloadHash, tx.Hash, p0, p1)
	path := filepath.Join("testdata", "hashes.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("hash encodings changed (-golden +now):\n%s", diff)
	}
}

// TestPayloadHashSeesEveryField: changing any one field of a request changes
// its payload hash, so a reused key with any difference is caught.
func TestPayloadHashSeesEveryField(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		base := Transfer{
			Key:           "k",
			Code:          rapid.StringN(0, 8, -1).Draw(rt, "code"),
			Description:   rapid.StringN(0, 8, -1).Draw(rt, "description"),
			EffectiveDate: lendkit.MustParseDate("2027-01-01").AddDays(rapid.IntRange(0, 3000).Draw(rt, "day")),
			Metadata:      rapid.MapOfN(rapid.StringN(1, 4, -1), rapid.StringN(0, 4, -1), 0, 3).Draw(rt, "metadata"),
		}
		n := rapid.IntRange(2, 5).Draw(rt, "postings")
		for i := 0; i < n; i++ {
			side := rapid.SampledFrom([]Side{Debit, Credit}).Draw(rt, "side")
			base.Postings = append(base.Postings, Posting{AccountID: rapid.StringN(1, 6, -1).Draw(rt, "account"), Side: side,
				Amount: lendkit.New(rapid.Int64Range(1, 1<<40).Draw(rt, "amount"), rapid.SampledFrom([]lendkit.Currency{lendkit.EUR, lendkit.USD}).Draw(rt, "currency"))})
		}
		h := payloadHash("transfer", base, time.Time{}, "")
		mut := base
		mut.Postings = append([]Posting(nil), base.Postings...)
		mut.Metadata = map[string]string{}
		for k, v := range base.Metadata {
			mut.Metadata[k] = v
		}
		i := rapid.IntRange(0, len(base.Postings)-1).Draw(rt, "which posting")
		switch field := rapid.IntRange(0, 8).Draw(rt, "field"); field {
		case 0:
			mut.Code += "x"
		case 1:
			mut.Description += "x"
		case 2:
			mut.EffectiveDate = mut.EffectiveDate.AddDays(1)
		case 3:
			mut.Metadata["zz-new"] = ""
		case 4:
			mut.Postings[i].AccountID += "x"
		case 5:
			mut.Postings[i].Side = mut.Postings[i].Side.Opposite()
		case 6:
			mut.Postings[i].Amount = lendkit.New(mut.Postings[i].Amount.Minor()+1, mut.Postings[i].Amount.Currency())
		case 7:
			c := lendkit.EUR
			if mut.Postings[i].Amount.Currency() == lendkit.EUR {
				c = lendkit.USD
			}
			mut.Postings[i].Amount = lendkit.New(mut.Postings[i].Amount.Minor(), c)
		case 8:
			mut.Postings = mut.Postings[:len(mut.Postings)-1]
		}
		if string(payloadHash("transfer", mut, time.Time{}, "")) == string(h) {
			rt.Fatalf("payload hash unchanged by a change to the request:\n%+v\n%+v", base, mut)
		}
		if string(payloadHash("hold", base, time.Time{}, "")) == string(h) {
			rt.Fatal("a hold and a transfer of one request hash alike")
		}
	})
}

// TestCheckBalancedMatchesBigInt compares checkBalanced with sums in
// math/big: it accepts exactly the postings whose debits equal their credits
// in every currency, refuses with *UnbalancedError naming the first unequal
// currency, and reports lendkit.ErrOverflow instead of wrapping when a sum
// leaves int64.
func TestCheckBalancedMatchesBigInt(t *testing.T) {
	t.Parallel()
	curs := []lendkit.Currency{lendkit.EUR, lendkit.USD, lendkit.JPY}
	rapid.Check(t, func(rt *rapid.T) {
		big63 := rapid.Bool().Draw(rt, "huge amounts")
		n := rapid.IntRange(2, 8).Draw(rt, "n")
		var ps []Posting
		for i := 0; i < n; i++ {
			hi := int64(1000)
			if big63 {
				hi = 1<<63 - 1
			}
			ps = append(ps, Posting{AccountID: "a", Side: rapid.SampledFrom([]Side{Debit, Credit}).Draw(rt, "side"),
				Amount: lendkit.New(rapid.Int64Range(1, hi).Draw(rt, "amount"), rapid.SampledFrom(curs).Draw(rt, "currency"))})
		}
		if rapid.Bool().Draw(rt, "balance it") {
			// Add one posting per currency that makes it balance, if it fits.
			for _, c := range curs {
				net := new(big.Int)
				for _, p := range ps {
					if p.Amount.Currency() == c {
						v := big.NewInt(p.Amount.Minor())
						if p.Side == Credit {
							v.Neg(v)
						}
						net.Add(net, v)
					}
				}
				if net.Sign() != 0 && net.IsInt64() && net.Int64() != -1<<63 {
					side, v := Credit, net.Int64()
					if v < 0 {
						side, v = Debit, -v
					}
					ps = append(ps, Posting{AccountID: "b", Side: side, Amount: lendkit.New(v, c)})
				}
			}
		}
		// The oracle: sums per currency and side in big.Int, in order of
		// appearance; the first sum to leave int64 is an overflow.
		type sums struct{ dr, cr *big.Int }
		var order []lendkit.Currency
		by := map[lendkit.Currency]*sums{}
		overflow := false
		for _, p := range ps {
			s := by[p.Amount.Currency()]
			if s == nil {
				s = &sums{new(big.Int), new(big.Int)}
				by[p.Amount.Currency()] = s
				order = append(order, p.Amount.Currency())
			}
			tot := s.cr
			if p.Side == Debit {
				tot = s.dr
			}
			tot.Add(tot, big.NewInt(p.Amount.Minor()))
			if !tot.IsInt64() {
				overflow = true
				break
			}
		}
		var wantCur lendkit.Currency
		if !overflow {
			for _, c := range order {
				if by[c].dr.Cmp(by[c].cr) != 0 {
					wantCur = c
					break
				}
			}
		}
		err := checkBalanced(ps)
		var ue *UnbalancedError
		switch {
		case overflow:
			if !errors.Is(err, lendkit.ErrOverflow) {
				rt.Fatalf("overflowing sums: got %v", err)
			}
		case !wantCur.IsZero():
			if !errors.As(err, &ue) || ue.Currency != wantCur {
				rt.Fatalf("unbalanced in %s: got %v", wantCur, err)
			}
		default:
			if err != nil {
				rt.Fatalf("balanced postings refused: %v", err)
			}
		}
	})
}

// TestLayering keeps the seam honest: the ledger and store packages must not
// depend on a database driver or database/sql (the backends do).
func TestLayering(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to list dependencies:", err)
	}
	for _, pkg := range []string{"github.com/lendkit/lendkit/ledger", "github.com/lendkit/lendkit/store"} {
		out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "database/sql" || strings.HasPrefix(dep, "modernc.org/") || strings.HasPrefix(dep, "github.com/jackc/") || dep == "net/http" {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
