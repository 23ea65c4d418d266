package wallet

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// values compares lendkit's value types by equality (their fields are
// unexported).
var values = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
}

// snapshot is everything a batch may write: the wallets (with balances), the
// campaigns with their commitments, and the number of ledger transactions.
type snapshot struct {
	Wallets      []Wallet
	Campaigns    []Campaign
	Commitments  map[string][]Commitment
	Transactions int
}

func snap(t *testing.T, s *Service, db store.DB, campaigns ...string) snapshot {
	t.Helper()
	var out snapshot
	err := db.View(ctx, func(tx store.Tx) error {
		ws, err := tx.Wallets().Wallets(ctx, "", "", 1000)
		if err != nil {
			return err
		}
		for _, w := range ws {
			full, err := s.load(ctx, tx, w.ID)
			if err != nil {
				return err
			}
			out.Wallets = append(out.Wallets, full)
		}
		out.Commitments = map[string][]Commitment{}
		for _, id := range campaigns {
			c, err := s.campaign(ctx, tx, id)
			if err != nil {
				return err
			}
			out.Campaigns = append(out.Campaigns, campaignOf(c))
			cs, err := tx.Wallets().Commitments(ctx, id, "")
			if err != nil {
				return err
			}
			for _, cm := range cs {
				out.Commitments[id] = append(out.Commitments[id], commitmentOf(cm))
			}
		}
		ts, err := tx.Ledger().Transactions(ctx, "", 1000)
		out.Transactions = len(ts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// refused checks that err wraps want — in a *BatchError naming item index
// when index ≥ 0 — and that nothing changed since before.
func refused(t *testing.T, name string, err, want error, index int, before, after snapshot) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", name, err, want)
	}
	var be *BatchError
	if index >= 0 && (!errors.As(err, &be) || be.Index != index) {
		t.Errorf("%s: %v does not name item %d", name, err, index)
	}
	if diff := cmp.Diff(before, after, values); diff != "" {
		t.Errorf("%s wrote something (-before +after):\n%s", name, diff)
	}
}

func TestOpenMany(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "old", Lender, KYCLight)
		reqs := []OpenRequest{
			{ID: "a", Kind: Lender, Owner: "A", KYC: KYCValidated},
			{ID: "old", Kind: Lender, Owner: "owner-old", KYC: KYCValidated}, // exists: returned as it is (KYC unchanged)
			{ID: "b", Kind: Borrower, Owner: "B"},
			{ID: "a", Kind: Lender, Owner: "A", KYC: KYCValidated}, // twice in the batch: opened once
		}
		got, err := s.OpenMany(ctx, reqs)
		if err != nil {
			t.Fatal(err)
		}
		// What OpenMany returns is what reading the wallets back gives.
		var want []Wallet
		for _, r := range reqs {
			w, err := s.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, w)
		}
		if diff := cmp.Diff(want, got, values); diff != "" {
			t.Errorf("opened (-read back +returned):\n%s", diff)
		}
		if got[1].KYC != KYCLight {
			t.Errorf("reopening changed the KYC level: %+v", got[1])
		}
		// Replaying the whole batch returns the same wallets.
		again, err := s.OpenMany(ctx, reqs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, again, values); diff != "" {
			t.Errorf("replay (-first +again):\n%s", diff)
		}

		for _, c := range []struct {
			name  string
			reqs  []OpenRequest
			want  error
			index int
		}{
			{"other definition", []OpenRequest{{ID: "c", Kind: Lender, Owner: "C"}, {ID: "a", Kind: Fund, Owner: "A"}}, ErrExists, 1},
			{"other definition within the batch", []OpenRequest{{ID: "d", Kind: Lender, Owner: "D"}, {ID: "d", Kind: Lender, Owner: "E"}}, ErrExists, 1},
			{"unknown kind", []OpenRequest{{ID: "e", Kind: Lender}, {ID: "f", Kind: "pirate"}}, ErrUnknownKind, 1},
			{"empty id", []OpenRequest{{ID: "", Kind: Lender}, {ID: "g", Kind: Lender}}, ErrInvalid, 0},
			{"negative KYC", []OpenRequest{{ID: "h", Kind: Lender, KYC: -1}, {ID: "i", Kind: Lender}}, ErrInvalid, 0},
			{"single form", []OpenRequest{{ID: "a", Kind: Fund, Owner: "A"}}, ErrExists, -1},
		} {
			before := snap(t, s, db)
			_, err := s.OpenMany(ctx, c.reqs)
			refused(t, c.name, err, c.want, c.index, before, snap(t, s, db))
		}
		if out, err := s.OpenMany(ctx, nil); err != nil || out != nil {
			t.Errorf("empty batch: %v %v", out, err)
		}
	})
}

func TestPayInMany(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		if _, err := s.OpenMany(ctx, []OpenRequest{
			{ID: "none", Kind: Lender, Owner: "N"}, // KYC none: 150 EUR per pay-in and in all
			{ID: "ok", Kind: Lender, Owner: "O", KYC: KYCValidated},
			{ID: "blocked", Kind: Lender, Owner: "B", KYC: KYCValidated},
			{ID: "closed", Kind: Lender, Owner: "C", KYC: KYCValidated},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Block(ctx, "blocked"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Close(ctx, "closed"); err != nil {
			t.Fatal(err)
		}
		batch := []PayIn{
			{Key: "p1", Wallet: "none", Amount: eur("100.00"), Date: day, Method: "card"},
			{Key: "p2", Wallet: "ok", Amount: eur("5000.00"), Date: day},
			{Key: "p3", Wallet: "none", Amount: eur("50.00"), Date: day}, // 150 in all: at the limit
		}
		ms, err := s.PayInMany(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if b := balanceOf(t, s, "none"); b != eur("150.00") {
			t.Errorf("none holds %s", b)
		}
		// A replay of the batch — or of one of its pay-ins alone — returns
		// the original transactions and moves nothing, even on a wallet that
		// is blocked since: the checks held when the pay-in first ran.
		if _, err := s.Block(ctx, "ok"); err != nil {
			t.Fatal(err)
		}
		before := snap(t, s, db)
		again, err := s.PayInMany(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ms, again, values); diff != "" {
			t.Errorf("replay (-first +again):\n%s", diff)
		}
		one, err := s.PayIn(ctx, batch[1])
		if err != nil || one != ms[1] {
			t.Errorf("single replay of a batch item: %+v %v", one, err)
		}
		if diff := cmp.Diff(before, snap(t, s, db), values); diff != "" {
			t.Errorf("replays moved money (-before +after):\n%s", diff)
		}
		if _, err := s.Unblock(ctx, "ok"); err != nil {
			t.Fatal(err)
		}
		// A replay mixed with a new pay-in: the new one is booked once.
		mixed, err := s.PayInMany(ctx, []PayIn{batch[0], {Key: "p4", Wallet: "ok", Amount: eur("1.00"), Date: day}})
		if err != nil || mixed[0] != ms[0] || mixed[1].Amount != eur("1.00") {
			t.Errorf("mixed batch: %+v %v", mixed, err)
		}

		for _, c := range []struct {
			name  string
			batch []PayIn
			want  error
			index int
		}{
			{"balance limit over the batch", []PayIn{{Key: "q1", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "q2", Wallet: "none", Amount: eur("0.01"), Date: day}}, ErrKYC, 1},
			{"pay-in limit", []PayIn{{Key: "q3", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "q4", Wallet: "none", Amount: eur("150.01"), Date: day}}, ErrKYC, 1},
			{"blocked", []PayIn{{Key: "q5", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "q6", Wallet: "blocked", Amount: eur("1.00"), Date: day}}, ErrBlocked, 1},
			{"closed", []PayIn{{Key: "q7", Wallet: "closed", Amount: eur("1.00"), Date: day}}, ErrClosed, -1},
			{"unknown wallet", []PayIn{{Key: "q8", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "q9", Wallet: "nobody", Amount: eur("1.00"), Date: day}}, ErrNotFound, 1},
			{"other currency", []PayIn{{Key: "q10", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "q11", Wallet: "ok", Amount: lendkit.MustParseMoney("1.00", "USD"), Date: day}}, ErrCurrency, 1},
			{"zero amount", []PayIn{{Key: "q12", Wallet: "ok", Amount: eur("0.00"), Date: day}, {Key: "q13", Wallet: "ok", Amount: eur("1.00"), Date: day}}, ErrInvalid, 0},
			{"same key twice", []PayIn{{Key: "q14", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "q14", Wallet: "ok", Amount: eur("1.00"), Date: day}}, ErrInvalid, 1},
			{"changed replay", []PayIn{{Key: "q15", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Key: "p2", Wallet: "ok", Amount: eur("4999.00"), Date: day}}, store.ErrIdempotencyMismatch, -1},
			{"no key", []PayIn{{Key: "q16", Wallet: "ok", Amount: eur("1.00"), Date: day}, {Wallet: "ok", Amount: eur("1.00"), Date: day}}, ledger.ErrInvalidKey, -1},
		} {
			before := snap(t, s, db)
			_, err := s.PayInMany(ctx, c.batch)
			refused(t, c.name, err, c.want, c.index, before, snap(t, s, db))
		}
	})
}

// fundLenders opens n validated lenders l1…ln holding 500 EUR each, and a
// borrower "bob".
func fundLenders(t *testing.T, s *Service, n int) {
	t.Helper()
	opens := []OpenRequest{{ID: "bob", Kind: Borrower, Owner: "bob", KYC: KYCValidated}}
	var pays []PayIn
	for i := 1; i <= n; i++ {
		id := fmt.Sprint("l", i)
		opens = append(opens, OpenRequest{ID: id, Kind: Lender, Owner: id, KYC: KYCValidated})
		pays = append(pays, PayIn{Key: "pi-" + id, Wallet: id, Amount: eur("500.00"), Date: day})
	}
	if _, err := s.OpenMany(ctx, opens); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PayInMany(ctx, pays); err != nil {
		t.Fatal(err)
	}
}

func TestCommitMany(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		fundLenders(t, s, 4)
		for _, spec := range []CampaignSpec{
			{ID: "R", BorrowerWallet: "bob", Target: eur("1000.00"), Deadline: day.AddDays(30), Overfunding: Refuse},
			{ID: "T", BorrowerWallet: "bob", Target: eur("1000.00"), Deadline: day.AddDays(30), Overfunding: Trim},
		} {
			if _, err := s.CreateCampaign(ctx, spec); err != nil {
				t.Fatal(err)
			}
		}
		commit := func(campaign, id, lender, amount string) Commit {
			return Commit{Campaign: campaign, ID: id, Lender: lender, Amount: eur(amount), Date: day}
		}
		for _, c := range []struct {
			name  string
			batch []Commit
			want  error
			index int
		}{
			{"refused over-funding", []Commit{commit("R", "a", "l1", "400.00"), commit("R", "b", "l2", "400.00"), commit("R", "c", "l3", "300.00")}, ErrOverfunded, 2},
			{"trim leaves nothing for the last", []Commit{commit("T", "a", "l1", "500.00"), commit("T", "b", "l2", "500.00"), commit("T", "c", "l3", "1.00")}, ErrOverfunded, 2},
			{"short over the batch", []Commit{commit("R", "a", "l1", "300.00"), commit("R", "b", "l1", "300.00")}, ErrInsufficient, 1},
			{"past the deadline", []Commit{{Campaign: "R", ID: "a", Lender: "l1", Amount: eur("1.00"), Date: day.AddDays(31)}}, ErrPastDeadline, -1},
			{"borrower funds itself", []Commit{commit("R", "a", "l1", "1.00"), commit("R", "b", "bob", "1.00")}, ErrInvalid, 1},
			{"unknown lender", []Commit{commit("R", "a", "l1", "1.00"), commit("R", "b", "nobody", "1.00")}, ErrNotFound, 1},
			{"two campaigns", []Commit{commit("R", "a", "l1", "1.00"), commit("T", "b", "l2", "1.00")}, ErrInvalid, 1},
			{"same id twice", []Commit{commit("R", "a", "l1", "1.00"), commit("R", "a", "l1", "1.00")}, ErrInvalid, 1},
			{"no date", []Commit{commit("R", "a", "l1", "1.00"), {Campaign: "R", ID: "b", Lender: "l2", Amount: eur("1.00")}}, ErrInvalid, 1},
			{"unknown campaign", []Commit{commit("X", "a", "l1", "1.00")}, ErrNotFound, -1},
		} {
			before := snap(t, s, db, "R", "T")
			_, err := s.CommitMany(ctx, c.batch)
			refused(t, c.name, err, c.want, c.index, before, snap(t, s, db, "R", "T"))
		}

		// Trim cuts the commitment that reaches the target.
		batch := []Commit{commit("T", "a", "l1", "400.00"), commit("T", "b", "l2", "400.00"), commit("T", "c", "l3", "400.00")}
		got, err := s.CommitMany(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		amounts := []lendkit.Money{got[0].Amount, got[1].Amount, got[2].Amount}
		if diff := cmp.Diff([]lendkit.Money{eur("400.00"), eur("400.00"), eur("200.00")}, amounts, values); diff != "" {
			t.Errorf("amounts (-want +got):\n%s", diff)
		}
		camp, err := s.GetCampaign(ctx, "T")
		if err != nil || camp.Raised != eur("1000.00") || camp.Commitments != 3 {
			t.Errorf("campaign after the batch: %+v %v", camp, err)
		}
		listed, err := s.Commitments(ctx, "T")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, listed, values); diff != "" {
			t.Errorf("returned vs stored (-returned +stored):\n%s", diff)
		}
		// Replays return the first commitments (the trimmed one with its
		// original request too) and write nothing; a changed one is refused.
		before := snap(t, s, db, "R", "T")
		again, err := s.CommitMany(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, again, values); diff != "" {
			t.Errorf("replay (-first +again):\n%s", diff)
		}
		if one, err := s.Commit(ctx, batch[2]); err != nil || one != got[2] {
			t.Errorf("single replay of a batch item: %+v %v", one, err)
		}
		if diff := cmp.Diff(before, snap(t, s, db, "R", "T"), values); diff != "" {
			t.Errorf("replays wrote (-before +after):\n%s", diff)
		}
		_, err = s.CommitMany(ctx, []Commit{commit("T", "a", "l1", "400.00"), commit("T", "b", "l3", "400.00")})
		refused(t, "replay from another lender", err, ErrExists, 1, before, snap(t, s, db, "R", "T"))

		// Blocked lenders commit nothing; on a closed campaign nothing is taken.
		if _, err := s.Block(ctx, "l4"); err != nil {
			t.Fatal(err)
		}
		before = snap(t, s, db, "R", "T")
		_, err = s.CommitMany(ctx, []Commit{commit("R", "a", "l1", "1.00"), commit("R", "b", "l4", "1.00")})
		refused(t, "blocked lender", err, ErrBlocked, 1, before, snap(t, s, db, "R", "T"))
		if c, err := s.CloseCampaign(ctx, "T", day); err != nil || c.Status != CampaignFunded {
			t.Fatalf("close: %+v %v", c, err)
		}
		before = snap(t, s, db, "R", "T")
		_, err = s.CommitMany(ctx, []Commit{commit("T", "d", "l4", "1.00")})
		refused(t, "closed campaign", err, ErrCampaignClosed, -1, before, snap(t, s, db, "R", "T"))
		if b := balanceOf(t, s, "bob"); b != eur("1000.00") {
			t.Errorf("borrower holds %s after the close", b)
		}
		if _, err := ledger.New(db).Verify(ctx); err != nil {
			t.Errorf("ledger verify: %v", err)
		}
	})
}

// TestIn checks that a wallet operation run through In(tx) commits and rolls
// back with the caller's unit of work.
func TestIn(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		fundLenders(t, s, 2)
		if _, err := s.CreateCampaign(ctx, CampaignSpec{ID: "C", BorrowerWallet: "bob", Target: eur("600.00"), Deadline: day.AddDays(30), Overfunding: Refuse}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CommitMany(ctx, []Commit{
			{Campaign: "C", ID: "a", Lender: "l1", Amount: eur("300.00"), Date: day},
			{Campaign: "C", ID: "b", Lender: "l2", Amount: eur("300.00"), Date: day},
		}); err != nil {
			t.Fatal(err)
		}
		// The caller's own work fails after the close: the close rolls back.
		before := snap(t, s, db, "C")
		boom := errors.New("the loan could not be opened")
		err := db.InTx(ctx, func(tx store.Tx) error {
			c, err := s.In(tx).CloseCampaign(ctx, "C", day)
			if err != nil {
				return err
			}
			if c.Status != CampaignFunded {
				return fmt.Errorf("closed as %s", c.Status)
			}
			return boom
		})
		refused(t, "rolled back close", err, boom, -1, before, snap(t, s, db, "C"))

		// Committed with the caller's work: the close, a payout and the
		// caller's own read of the result in one unit of work.
		err = db.InTx(ctx, func(tx store.Tx) error {
			ws := s.In(tx)
			if _, err := ws.CloseCampaign(ctx, "C", day); err != nil {
				return err
			}
			if _, err := ws.Payout(ctx, Payout{Key: "disburse", Wallet: "bob", Amount: eur("600.00"), Date: day, IBAN: payee}); err != nil {
				return err
			}
			w, err := ws.Get(ctx, "bob")
			if err != nil {
				return err
			}
			if !w.Balance.Posted.IsZero() {
				return fmt.Errorf("bob holds %s inside the unit of work", w.Balance.Posted)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.GetCampaign(ctx, "C")
		if err != nil || c.Status != CampaignFunded {
			t.Errorf("after commit: %+v %v", c, err)
		}
		if b := balanceOf(t, s, "l1"); b != eur("200.00") {
			t.Errorf("l1 holds %s", b)
		}
		// Schema and lifetime operations stay with the real database.
		err = db.InTx(ctx, func(tx store.Tx) error {
			in := s.In(tx)
			if err := in.db.Migrate(ctx); !errors.Is(err, ErrInvalid) {
				return fmt.Errorf("migrate inside a unit of work: %v", err)
			}
			return in.db.Close()
		})
		if err != nil {
			t.Error(err)
		}
		if _, err := s.Get(ctx, "bob"); err != nil {
			t.Errorf("the database after the unit's Close: %v", err)
		}
	})
}
