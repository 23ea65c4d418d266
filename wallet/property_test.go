package wallet

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

// expected lists the refusals a random sequence legitimately meets; any other
// error fails the property.
var expected = []error{ErrInsufficient, ErrOverfunded, ErrCampaignClosed, ErrCampaignOpen, ErrPastDeadline, ErrNotCommitted, errRefusedBatch}

// errRefusedBatch stands for a batch the property made invalid on purpose,
// refused for that reason and naming the right item.
var errRefusedBatch = errors.New("batch refused as intended")

func isExpected(err error) bool {
	for _, e := range expected {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// TestConservationProperty drives random sequences of pay-ins, payouts,
// transfers, direct-debit returns, campaign creations, commitments,
// withdrawals, closes and cancellations, the batch forms (OpenMany,
// PayInMany, CommitMany), and replays of earlier operations,
// against SQLite, and Postgres when LENDKIT_TEST_POSTGRES_URL is set, and
// checks after every step that:
//
//   - the wallets' balances sum to the external account's balance, and to the
//     model's money in minus money out: no money is created or destroyed;
//   - every commitment's status agrees with its hold's single resolution in
//     the ledger (held: none; posted: a post; withdrawn or voided: a void),
//     so no hold is both posted and voided;
//   - every campaign's raised amount is the sum of its live commitments;
//
// and at the end that ledger.Verify passes.
func TestConservationProperty(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		n := 0
		succeeded := map[string]int{}
		rapid.Check(t, func(rt *rapid.T) {
			n++
			db, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("p%d.db", n)), sqlite.WithClock(lendkit.NewManualClock(epoch)))
			if err != nil {
				rt.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				rt.Fatal(err)
			}
			conservation(rt, db, "", succeeded)
			if _, err := ledger.New(db).Verify(ctx); err != nil {
				rt.Fatalf("verify: %v", err)
			}
		})
		checkNotVacuous(t, succeeded)
	})
	// On Postgres every check shares one schema (a schema per check would
	// spend the test's time creating schemas): each runs under its own prefix
	// — wallet ids, keys and its own external account — so its invariants
	// concern its own money only. Verify runs once, over everything.
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := openPostgres(t)
		n := 0
		succeeded := map[string]int{}
		rapid.Check(t, func(rt *rapid.T) {
			n++
			conservation(rt, db, fmt.Sprintf("p%d-", n), succeeded)
		})
		if _, err := ledger.New(db).Verify(ctx); err != nil {
			t.Fatalf("verify: %v", err)
		}
		checkNotVacuous(t, succeeded)
	})
}

func heldOnly(cms []Commitment) []Commitment {
	var held []Commitment
	for _, c := range cms {
		if c.Status == Held {
			held = append(held, c)
		}
	}
	return held
}

// checkNotVacuous fails when some kind of operation never succeeded: the
// property would then say nothing about it.
func checkNotVacuous(t *testing.T, succeeded map[string]int) {
	t.Helper()
	for _, k := range []string{"payin", "payout", "transfer", "return", "campaign", "commit", "withdraw", "close", "payinmany", "payinmany refused as intended", "commitmany", "openmany"} {
		if succeeded[k] == 0 {
			t.Errorf("no %s ever succeeded: the property is vacuous for it (%v)", k, succeeded)
		}
	}
	t.Logf("successful operations: %v", succeeded)
}

// conservation runs one random sequence under prefix p and checks the
// invariants after every step.
func conservation(rt *rapid.T, db store.DB, p string, succeeded map[string]int) {
	s, err := New(db, Config{Currency: lendkit.EUR, AccountPrefix: "wallet:" + p})
	if err != nil {
		rt.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		rt.Fatal(err)
	}
	wallets := []string{p + "l1", p + "l2", p + "l3", p + "b1", p + "b2", p + "fees"}
	for _, id := range wallets {
		kind := Lender
		switch id[len(p)] {
		case 'b':
			kind = Borrower
		case 'f':
			kind = PlatformFees
		}
		if _, err := s.Open(ctx, OpenRequest{ID: id, Kind: kind, Owner: id, KYC: KYCValidated}); err != nil {
			rt.Fatal(err)
		}
	}
	lenders := wallets[:3]
	net := lendkit.Zero(lendkit.EUR) // pay-ins − payouts − returns, as the model sees them
	var campaigns []string
	type op struct {
		kind string
		run  func() (lendkit.Money, error) // returns the change in net money
	}
	var done []op // successful operations, to replay
	amount := func(label string) lendkit.Money {
		return lendkit.New(rapid.Int64Range(1, 200_000).Draw(rt, label), lendkit.EUR)
	}
	date := day
	for step := range rapid.IntRange(1, 40).Draw(rt, "steps") {
		key := fmt.Sprint(p, "k", step)
		var o op
		switch rapid.IntRange(0, 16).Draw(rt, "op") {
		case 0, 1:
			w, a := rapid.SampledFrom(wallets).Draw(rt, "wallet"), amount("payin")
			o = op{"payin", func() (lendkit.Money, error) {
				_, err := s.PayIn(ctx, PayIn{Key: key, Wallet: w, Amount: a, Date: date})
				return a, err
			}}
		case 2:
			w, a := rapid.SampledFrom(wallets).Draw(rt, "wallet"), amount("payout")
			o = op{"payout", func() (lendkit.Money, error) {
				_, err := s.Payout(ctx, Payout{Key: key, Wallet: w, Amount: a, Date: date, IBAN: payee})
				neg, _ := a.Neg()
				return neg, err
			}}
		case 3:
			from, to, a := rapid.SampledFrom(wallets).Draw(rt, "from"), rapid.SampledFrom(wallets).Draw(rt, "to"), amount("transfer")
			if from == to {
				continue
			}
			o = op{"transfer", func() (lendkit.Money, error) {
				_, err := s.Transfer(ctx, Transfer{Key: key, From: from, To: to, Amount: a, Date: date})
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 4:
			w, a := rapid.SampledFrom(wallets).Draw(rt, "wallet"), amount("return")
			o = op{"return", func() (lendkit.Money, error) {
				_, err := s.ReturnPayIn(ctx, Return{Key: key, Wallet: w, Amount: a, Date: date, Reason: "AM04"})
				neg, _ := a.Neg()
				return neg, err
			}}
		case 5:
			id := fmt.Sprint(p, "C", step)
			target := amount("target")
			minimum := lendkit.New(rapid.Int64Range(1, target.Minor()).Draw(rt, "minimum"), lendkit.EUR)
			policy := rapid.SampledFrom([]Overfunding{Refuse, Trim}).Draw(rt, "policy")
			borrower := rapid.SampledFrom([]string{p + "b1", p + "b2"}).Draw(rt, "borrower")
			deadline := date.AddDays(rapid.IntRange(0, 5).Draw(rt, "days"))
			o = op{"campaign", func() (lendkit.Money, error) {
				_, err := s.CreateCampaign(ctx, CampaignSpec{ID: id, BorrowerWallet: borrower, Target: target, Minimum: minimum, Deadline: deadline, Overfunding: policy})
				if err == nil {
					campaigns = append(campaigns, id)
				}
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 6, 7:
			if len(campaigns) == 0 {
				continue
			}
			c, l := rapid.SampledFrom(campaigns).Draw(rt, "campaign"), rapid.SampledFrom(lenders).Draw(rt, "lender")
			a := lendkit.New(rapid.Int64Range(1, 50_000).Draw(rt, "commit"), lendkit.EUR)
			o = op{"commit", func() (lendkit.Money, error) {
				_, err := s.Commit(ctx, Commit{Campaign: c, ID: key, Lender: l, Amount: a, Date: date})
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 8, 15, 16:
			if len(campaigns) == 0 {
				continue
			}
			c := rapid.SampledFrom(campaigns).Draw(rt, "campaign")
			cms, err := s.Commitments(ctx, c)
			if err != nil || len(cms) == 0 {
				continue
			}
			// Mostly withdraw a commitment still held, so that successful
			// withdrawals are common enough for checkNotVacuous never to
			// fail by chance; sometimes any, to exercise the refusals.
			if held := heldOnly(cms); len(held) > 0 && rapid.IntRange(0, 3).Draw(rt, "any commitment") != 0 {
				cms = held
			}
			id := rapid.SampledFrom(cms).Draw(rt, "commitment").ID
			o = op{"withdraw", func() (lendkit.Money, error) {
				_, err := s.Withdraw(ctx, c, id, date)
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 9:
			if len(campaigns) == 0 {
				continue
			}
			c, cancel := rapid.SampledFrom(campaigns).Draw(rt, "campaign"), rapid.IntRange(0, 3).Draw(rt, "cancel") == 0
			on := date.AddDays(rapid.IntRange(0, 6).Draw(rt, "close day"))
			o = op{"close", func() (lendkit.Money, error) {
				var err error
				if cancel {
					_, err = s.CancelCampaign(ctx, c, on)
				} else {
					_, err = s.CloseCampaign(ctx, c, on)
				}
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 11:
			// A batch of pay-ins, all or none: with a pay-in to a wallet
			// that does not exist somewhere in it, nothing is booked (the
			// invariants then find the money where it was).
			n := rapid.IntRange(1, 4).Draw(rt, "pay-ins")
			batch := make([]PayIn, n)
			total := lendkit.Zero(lendkit.EUR)
			for j := range batch {
				a := amount("payin")
				batch[j] = PayIn{Key: fmt.Sprint(key, "/", j), Wallet: rapid.SampledFrom(wallets).Draw(rt, "wallet"), Amount: a, Date: date}
				total, _ = total.Add(a)
			}
			ghost := -1
			if rapid.IntRange(0, 4).Draw(rt, "ghost") == 0 {
				ghost = rapid.IntRange(0, n-1).Draw(rt, "ghost at")
				batch[ghost].Wallet = p + "ghost"
			}
			o = op{"payinmany", func() (lendkit.Money, error) {
				_, err := s.PayInMany(ctx, batch)
				var be *BatchError
				if ghost >= 0 && errors.Is(err, ErrNotFound) && (n == 1 || errors.As(err, &be) && be.Index == ghost) {
					succeeded["payinmany refused as intended"]++
					return total, errRefusedBatch
				}
				return total, err
			}}
		case 12, 14:
			if len(campaigns) == 0 {
				continue
			}
			c := rapid.SampledFrom(campaigns).Draw(rt, "campaign")
			n := rapid.IntRange(1, 3).Draw(rt, "commitments")
			batch := make([]Commit, n)
			for j := range batch {
				batch[j] = Commit{Campaign: c, ID: fmt.Sprint(key, "/", j), Lender: rapid.SampledFrom(lenders).Draw(rt, "lender"),
					Amount: lendkit.New(rapid.Int64Range(1, 5_000).Draw(rt, "commit"), lendkit.EUR), Date: date}
			}
			o = op{"commitmany", func() (lendkit.Money, error) {
				_, err := s.CommitMany(ctx, batch)
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 13:
			// A new wallet, opened in a batch with an existing one (returned
			// as it is), joins the wallets the invariants sum (and may
			// receive pay-ins and transfers).
			id := fmt.Sprint(p, "n", step)
			batch := []OpenRequest{{ID: id, Kind: Lender, Owner: id, KYC: KYCValidated}, {ID: lenders[0], Kind: Lender, Owner: lenders[0], KYC: KYCValidated}}
			o = op{"openmany", func() (lendkit.Money, error) {
				_, err := s.OpenMany(ctx, batch)
				if err == nil && !slices.Contains(wallets, id) {
					wallets = append(wallets, id)
				}
				return lendkit.Zero(lendkit.EUR), err
			}}
		case 10:
			if len(done) == 0 {
				continue
			}
			prev := rapid.SampledFrom(done).Draw(rt, "replay")
			// A replay moves no money (the change it reports was counted once).
			o = op{"replay " + prev.kind, func() (lendkit.Money, error) { _, err := prev.run(); return lendkit.Zero(lendkit.EUR), err }}
		}
		change, err := o.run()
		switch {
		case err == nil:
			succeeded[o.kind]++
			if net, err = net.Add(change); err != nil {
				rt.Fatal(err)
			}
			if o.kind[0] != 'r' || o.kind == "return" {
				done = append(done, o)
			}
		case isExpected(err):
		default:
			rt.Fatalf("step %d %s: unexpected error %v", step, o.kind, err)
		}
		checkInvariants(rt, s, db, wallets, campaigns, net)
	}
}

func checkInvariants(rt *rapid.T, s *Service, db store.DB, wallets, campaigns []string, net lendkit.Money) {
	err := db.View(ctx, func(tx store.Tx) error {
		u := ledger.In(tx)
		sum := lendkit.Zero(lendkit.EUR)
		for _, id := range wallets {
			b, err := u.Balance(ctx, s.AccountOf(id))
			if err != nil {
				return err
			}
			if sum, err = sum.Add(b.Posted); err != nil {
				return err
			}
		}
		ext, err := u.Balance(ctx, s.ExternalAccount())
		if err != nil {
			return err
		}
		if sum != ext.Posted || sum != net {
			return fmt.Errorf("wallets sum to %s, external account %s, model %s", sum, ext.Posted, net)
		}
		for _, c := range campaigns {
			camp, err := tx.Wallets().Campaign(ctx, c)
			if err != nil {
				return err
			}
			cms, err := tx.Wallets().Commitments(ctx, c, "")
			if err != nil {
				return err
			}
			live := lendkit.Zero(lendkit.EUR)
			for _, cm := range cms {
				res, err := tx.Ledger().Resolution(ctx, cm.HoldID)
				switch CommitmentStatus(cm.Status) {
				case Held:
					if !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("held commitment %s/%s resolved: %v %v", c, cm.ID, res.Kind, err)
					}
					live, _ = live.Add(cm.Amount)
				case Posted:
					if err != nil || res.Kind != store.KindPostHold || res.ID != cm.ResolutionID {
						return fmt.Errorf("posted commitment %s/%s: %v %v", c, cm.ID, res.Kind, err)
					}
					live, _ = live.Add(cm.Amount)
				case Voided, Withdrawn:
					if err != nil || res.Kind != store.KindVoidHold || res.ID != cm.ResolutionID {
						return fmt.Errorf("voided commitment %s/%s: %v %v", c, cm.ID, res.Kind, err)
					}
				}
			}
			if camp.Raised != live {
				return fmt.Errorf("campaign %s (%s) raised %s, live commitments %s", c, camp.Status, camp.Raised, live)
			}
		}
		return nil
	})
	if err != nil {
		rt.Fatal(err)
	}
}
