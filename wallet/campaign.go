package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// Overfunding says what happens to a commitment that would take a campaign
// past its target.
type Overfunding string

// Over-funding policies.
const (
	Refuse Overfunding = "refuse" // the commitment is refused (ErrOverfunded)
	Trim   Overfunding = "trim"   // the commitment is cut to what is left
)

// CampaignStatus is a campaign's state.
type CampaignStatus string

// Campaign statuses; funded, failed and cancelled are final.
const (
	CampaignOpen      CampaignStatus = "open"
	CampaignFunded    CampaignStatus = "funded"
	CampaignFailed    CampaignStatus = "failed"
	CampaignCancelled CampaignStatus = "cancelled"
)

// CommitmentStatus is a commitment's state.
type CommitmentStatus string

// Commitment statuses.
const (
	Held      CommitmentStatus = "held"
	Withdrawn CommitmentStatus = "withdrawn" // voided at the lender's request
	Posted    CommitmentStatus = "posted"    // moved to the borrower at funding
	Voided    CommitmentStatus = "voided"    // released when the campaign failed or was cancelled
)

// CampaignSpec defines a campaign.
type CampaignSpec struct {
	ID             string
	BorrowerWallet string
	Target         lendkit.Money
	Minimum        lendkit.Money // zero means the target: all or nothing
	Deadline       lendkit.Date
	Overfunding    Overfunding
}

// Campaign is a campaign's state.
type Campaign struct {
	ID             string
	BorrowerWallet string
	Target         lendkit.Money
	Minimum        lendkit.Money
	Deadline       lendkit.Date
	Overfunding    Overfunding
	Status         CampaignStatus
	Raised         lendkit.Money
	Commitments    int
	Version        int64
}

func campaignOf(c store.Campaign) Campaign {
	return Campaign{ID: c.ID, BorrowerWallet: c.BorrowerWallet, Target: c.Target, Minimum: c.Minimum, Deadline: c.Deadline,
		Overfunding: Overfunding(c.Overfunding), Status: CampaignStatus(c.Status), Raised: c.Raised, Commitments: c.Commitments, Version: c.Version}
}

// Commitment is a lender's commitment.
type Commitment struct {
	CampaignID   string
	ID           string
	LenderWallet string
	Amount       lendkit.Money
	HoldID       string
	Status       CommitmentStatus
	ResolutionID string
}

func commitmentOf(c store.Commitment) Commitment {
	return Commitment{CampaignID: c.CampaignID, ID: c.ID, LenderWallet: c.LenderWallet, Amount: c.Amount, HoldID: c.HoldID,
		Status: CommitmentStatus(c.Status), ResolutionID: c.ResolutionID}
}

// CreateCampaign opens a campaign for a borrower wallet. Creating the same
// campaign again returns it; a different definition is ErrExists.
func (s *Service) CreateCampaign(ctx context.Context, spec CampaignSpec) (Campaign, error) {
	if spec.Minimum.IsZero() && spec.Minimum.Currency().IsZero() {
		spec.Minimum = spec.Target
	}
	if spec.ID == "" || len(spec.ID) > 100 || spec.Deadline.IsZero() {
		return Campaign{}, fmt.Errorf("%w: campaign needs an id (1..100 bytes) and a deadline", ErrInvalidCampaign)
	}
	if err := s.checkAmount(spec.Target); err != nil {
		return Campaign{}, fmt.Errorf("%w: target: %w", ErrInvalidCampaign, err)
	}
	if err := s.checkAmount(spec.Minimum); err != nil {
		return Campaign{}, fmt.Errorf("%w: minimum: %w", ErrInvalidCampaign, err)
	}
	if c, _ := spec.Minimum.Cmp(spec.Target); c > 0 {
		return Campaign{}, fmt.Errorf("%w: minimum %s above target %s", ErrInvalidCampaign, spec.Minimum, spec.Target)
	}
	if spec.Overfunding != Refuse && spec.Overfunding != Trim {
		return Campaign{}, fmt.Errorf("%w: over-funding policy %q", ErrInvalidCampaign, spec.Overfunding)
	}
	var out Campaign
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		if old, err := ws.Campaign(ctx, spec.ID); err == nil {
			if old.BorrowerWallet != spec.BorrowerWallet || old.Target != spec.Target || old.Minimum != spec.Minimum ||
				old.Deadline != spec.Deadline || old.Overfunding != string(spec.Overfunding) {
				return fmt.Errorf("%w: campaign %s", ErrExists, spec.ID)
			}
			out = campaignOf(old)
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		b, err := s.active(ctx, tx, spec.BorrowerWallet)
		if err != nil {
			return err
		}
		if Kind(b.Kind) != Borrower && Kind(b.Kind) != MFI && Kind(b.Kind) != Partner {
			return fmt.Errorf("%w: wallet %s is a %s wallet, not a borrower's", ErrInvalidCampaign, b.ID, b.Kind)
		}
		rec := store.Campaign{ID: spec.ID, BorrowerWallet: spec.BorrowerWallet, Currency: s.cur, Target: spec.Target, Minimum: spec.Minimum,
			Deadline: spec.Deadline, Overfunding: string(spec.Overfunding), Status: string(CampaignOpen), Raised: lendkit.Zero(s.cur)}
		if err := ws.CreateCampaign(ctx, rec); err != nil {
			return err
		}
		rec.Version = 1
		out = campaignOf(rec)
		return nil
	})
	return out, err
}

// GetCampaign returns a campaign.
func (s *Service) GetCampaign(ctx context.Context, id string) (Campaign, error) {
	var out Campaign
	err := s.db.View(ctx, func(tx store.Tx) error {
		c, err := s.campaign(ctx, tx, id)
		out = campaignOf(c)
		return err
	})
	return out, err
}

func (s *Service) campaign(ctx context.Context, tx store.Tx, id string) (store.Campaign, error) {
	c, err := tx.Wallets().Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("%w: campaign %q", ErrNotFound, id)
	}
	return c, err
}

// Commitments returns a campaign's commitments, oldest first.
func (s *Service) Commitments(ctx context.Context, campaignID string) ([]Commitment, error) {
	var out []Commitment
	err := s.db.View(ctx, func(tx store.Tx) error {
		cs, err := tx.Wallets().Commitments(ctx, campaignID, "")
		out = make([]Commitment, len(cs))
		for i, c := range cs {
			out[i] = commitmentOf(c)
		}
		return err
	})
	return out, err
}

// Commit is a lender's commitment request.
type Commit struct {
	Campaign string
	ID       string // unique within the campaign; a replay returns the first commitment
	Lender   string // the lender's wallet
	Amount   lendkit.Money
	Date     lendkit.Date // the day of the commitment: after the deadline it is refused
}

func holdKey(campaign, id string) string { return "campaign:" + campaign + ":commit:" + id }

// Commit reserves the amount on the lender's wallet with a ledger hold
// towards the borrower's wallet. It is refused after the deadline, on a
// campaign that is not open, when the lender's available balance is short,
// and — with Refuse — when it would take the campaign past its target (with
// Trim it is cut to what is left; ErrOverfunded when nothing is left).
func (s *Service) Commit(ctx context.Context, r Commit) (Commitment, error) {
	cs, err := s.CommitMany(ctx, []Commit{r})
	if err != nil {
		return Commitment{}, err
	}
	return cs[0], nil
}

// Withdraw releases a held commitment of an open campaign. Withdrawing a
// withdrawn commitment returns it unchanged.
func (s *Service) Withdraw(ctx context.Context, campaignID, id string, date lendkit.Date) (Commitment, error) {
	var out Commitment
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		cm, err := ws.Commitment(ctx, campaignID, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: commitment %s/%s", ErrNotFound, campaignID, id)
		}
		if err != nil {
			return err
		}
		if CommitmentStatus(cm.Status) == Withdrawn {
			out = commitmentOf(cm)
			return nil
		}
		if CommitmentStatus(cm.Status) != Held {
			return fmt.Errorf("%w: %s/%s is %s", ErrNotCommitted, campaignID, id, cm.Status)
		}
		c, err := s.campaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if CampaignStatus(c.Status) != CampaignOpen {
			return fmt.Errorf("%w: %s is %s", ErrCampaignClosed, c.ID, c.Status)
		}
		v, err := ledger.In(tx).VoidHold(ctx, ledger.HoldVoid{Key: holdKey(campaignID, id) + ":withdraw", HoldID: cm.HoldID, EffectiveDate: date})
		if err != nil {
			return err
		}
		cm.Status, cm.ResolutionID = string(Withdrawn), v.ID
		if err := ws.UpdateCommitments(ctx, []store.Commitment{cm}); err != nil {
			return err
		}
		if c.Raised, err = c.Raised.Sub(cm.Amount); err != nil {
			return err
		}
		c.Commitments--
		if _, err := ws.UpdateCampaign(ctx, c); err != nil {
			return err
		}
		out = commitmentOf(cm)
		return nil
	})
	return out, err
}

// CloseCampaign closes a campaign on date. It is funded — every held
// commitment posted into the borrower's wallet — when the target is reached,
// or when the deadline has come with at least the minimum raised. It fails —
// every hold voided — when the deadline has come without the minimum.
// Before the deadline and below target it returns ErrCampaignOpen. All of it
// happens in one unit of work: either every hold is resolved or none is.
// Closing a closed campaign returns it unchanged.
func (s *Service) CloseCampaign(ctx context.Context, id string, date lendkit.Date) (Campaign, error) {
	return s.resolve(ctx, id, date, false)
}

// CancelCampaign cancels an open campaign, voiding every held commitment.
func (s *Service) CancelCampaign(ctx context.Context, id string, date lendkit.Date) (Campaign, error) {
	return s.resolve(ctx, id, date, true)
}

func (s *Service) resolve(ctx context.Context, id string, date lendkit.Date, cancel bool) (Campaign, error) {
	if date.IsZero() {
		return Campaign{}, fmt.Errorf("%w: close without a date", ErrInvalid)
	}
	var out Campaign
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		c, err := s.campaign(ctx, tx, id)
		if err != nil {
			return err
		}
		if CampaignStatus(c.Status) != CampaignOpen {
			out = campaignOf(c)
			return nil
		}
		reached, _ := c.Raised.Cmp(c.Target)
		enough, _ := c.Raised.Cmp(c.Minimum)
		due := !date.Before(c.Deadline)
		var status CampaignStatus
		switch {
		case cancel:
			status = CampaignCancelled
		case reached >= 0 || (due && enough >= 0):
			status = CampaignFunded
		case due:
			status = CampaignFailed
		default:
			return fmt.Errorf("%w: %s raised %s of %s (minimum %s) before its deadline %s", ErrCampaignOpen, c.ID, c.Raised, c.Target, c.Minimum, c.Deadline)
		}
		held, err := ws.Commitments(ctx, id, string(Held))
		if err != nil {
			return err
		}
		// Every hold in one ledger write per ledger.MaxBatch commitments
		// (one lookup, one lock, one insert) rather than one per hold.
		u := ledger.In(tx)
		for start := 0; start < len(held); start += ledger.MaxBatch {
			part := held[start:min(start+ledger.MaxBatch, len(held))]
			var posts []ledger.HoldPost
			var voids []ledger.HoldVoid
			for _, cm := range part {
				if status == CampaignFunded {
					posts = append(posts, ledger.HoldPost{Key: holdKey(id, cm.ID) + ":post", HoldID: cm.HoldID, EffectiveDate: date})
				} else {
					voids = append(voids, ledger.HoldVoid{Key: holdKey(id, cm.ID) + ":void", HoldID: cm.HoldID, EffectiveDate: date})
				}
			}
			// The ledger's errors name the failing resolution's key, which
			// holds the commitment's id.
			ts, err := u.ResolveHolds(ctx, posts, voids)
			if err != nil {
				return fmt.Errorf("campaign %s: %w", id, err)
			}
			for i := range part {
				part[i].ResolutionID = ts[i].ID
				if status == CampaignFunded {
					part[i].Status = string(Posted)
				} else {
					part[i].Status = string(Voided)
				}
			}
		}
		if err := ws.UpdateCommitments(ctx, held); err != nil {
			return err
		}
		c.Status = string(status)
		if status != CampaignFunded {
			c.Raised, c.Commitments = lendkit.Zero(s.cur), 0
		}
		if c.Version, err = ws.UpdateCampaign(ctx, c); err != nil {
			return err
		}
		out = campaignOf(c)
		return nil
	})
	return out, err
}
