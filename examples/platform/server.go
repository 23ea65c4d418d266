package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/scoring"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
	"github.com/lendkit/lendkit/wallet/psp"
	"github.com/lendkit/lendkit/wallet/psp/simpsp"
)

// server is the platform's HTTP API over one database.
type server struct {
	db    store.DB
	clock lendkit.Clock
	log   *slog.Logger
	// trustProxy makes remoteAddr read X-Forwarded-For (behind a reverse
	// proxy only: a direct client could forge it).
	trustProxy bool
	cycleMu    sync.Mutex // one servicing cycle at a time

	currency lendkit.Currency
	wallets  *wallet.Service
	// psp is the payment institution. The reference platform ships the
	// simulated one; its state lives in memory, so a restarted server starts
	// with an empty PSP (the platform's wallets, in the database, persist).
	psp *simpsp.Sim

	decider         *scoring.Decider
	contracts       *contract.Renderer
	signer          *contract.SimpleSigner
	platformCompany contract.Company

	// reminderDays is the platform's default for the reminder before each
	// due date (a borrower's own setting wins); serve's -reminder-days.
	reminderDays int
	// allowLoopbackWebhooks admits http:// webhook URLs on 127.0.0.1 (tests
	// and local demos); in production receivers must be https.
	allowLoopbackWebhooks bool
	// seedDemoData makes seed add demo applications and a disbursed loan
	// (serve does; tests that count their own rows do not).
	seedDemoData bool
}

// newServer returns the API over db. clock is the business clock (TOTP and
// the servicing cycle read it); units of work are stamped by the DB's clock.
func newServer(db store.DB, clock lendkit.Clock, log *slog.Logger) (*server, error) {
	dec, err := newDecider()
	if err != nil {
		return nil, err
	}
	tpl, err := contract.DefaultTemplates()
	if err != nil {
		return nil, err
	}
	ws, err := wallet.New(db, wallet.Config{Currency: lendkit.EUR})
	if err != nil {
		return nil, err
	}
	return &server{db: db, clock: clock, log: log, decider: dec, contracts: contract.NewRenderer(tpl),
		currency: lendkit.EUR, wallets: ws, reminderDays: defaultReminderDays, psp: simpsp.New(simpsp.Config{Clock: clock}),
		signer: &contract.SimpleSigner{Clock: clock, Sender: codeSender{notify.Log{Logger: log}, notify.Log{Logger: log}}},
		platformCompany: contract.Company{Name: "Lendkit Demo Lending", LegalForm: "SAS", RegistrationID: "RCS Paris 000 000 000",
			Representative: "Ada Admin, President", Licence: "ACPR 00000 (demo)",
			Address: contract.Address{Street: "1 rue de l'Exemple", PostalCode: "75001", City: "Paris", Country: "France"}},
	}, nil
}

func (s *server) clockNow() time.Time { return s.clock.Now() }

// start prepares what the API needs in a migrated database: the wallet
// service's external account and the platform's own wallets (fees, tax
// authorities). It is idempotent; serve calls it at every start.
func (s *server) start(ctx context.Context) error {
	if err := openPlatformWallets(ctx, s.wallets); err != nil {
		return err
	}
	s.psp.OpenWallet(pspPool, s.currency, true)
	return nil
}

// routes is the API: every route the server answers, with the roles it
// admits. openapi_test.go checks that openapi.json documents exactly these.
func (s *server) routes() []route {
	staff := []role{roleAgent, roleAdmin}
	admin := []role{roleAdmin}
	borrower := []role{roleBorrower}
	borrowerOrStaff := []role{roleBorrower, roleAgent, roleAdmin}
	customers := []role{roleBorrower, roleLender}
	lender := []role{roleLender}
	return []route{
		{method: "GET", path: "/healthz", h: s.health},
		{method: "GET", path: "/openapi.json", h: serveOpenAPI},
		{method: "POST", path: "/v1/simulations", h: s.simulate},
		{method: "POST", path: "/v1/auth/signup", h: s.signup},
		{method: "POST", path: "/v1/auth/login", h: s.login},
		{method: "POST", path: "/v1/auth/logout", roles: everyone, tx: s.logout},
		{method: "GET", path: "/v1/me", roles: everyone, tx: s.me},
		{method: "POST", path: "/v1/auth/totp/enroll", roles: staff, tx: s.totpEnroll},
		{method: "POST", path: "/v1/auth/totp/confirm", roles: staff, tx: s.totpConfirm},
		{method: "POST", path: "/v1/api-keys", roles: everyone, tx: s.createAPIKey},
		{method: "GET", path: "/v1/api-keys", roles: everyone, tx: s.listAPIKeys},
		{method: "DELETE", path: "/v1/api-keys/{id}", roles: everyone, tx: s.revokeAPIKey},
		{method: "POST", path: "/v1/users", roles: admin, h: s.createUserByAdmin},
		{method: "POST", path: "/v1/applications/precheck", roles: borrower, h: s.precheck},
		{method: "POST", path: "/v1/applications", roles: borrower, tx: s.createApplication},
		{method: "GET", path: "/v1/applications", roles: borrowerOrStaff, tx: s.listApplications},
		{method: "GET", path: "/v1/applications/{id}", roles: borrowerOrStaff, tx: s.getApplication},
		{method: "POST", path: "/v1/applications/{id}/review", roles: staff, tx: s.reviewApplication},
		{method: "POST", path: "/v1/applications/{id}/contract", roles: borrower, tx: s.createContract},
		{method: "GET", path: "/v1/contracts/{id}", roles: borrowerOrStaff, tx: s.getContract},
		{method: "POST", path: "/v1/contracts/{id}/signature", roles: borrower, tx: s.startSigning},
		{method: "POST", path: "/v1/contracts/{id}/signature/confirm", roles: borrower, h: s.confirmSigning},
		{method: "POST", path: "/v1/applications/{id}/disburse", roles: staff, money: true, tx: s.disburse},
		{method: "PUT", path: "/v1/profile", roles: customers, tx: s.setProfile},
		{method: "GET", path: "/v1/wallet", roles: customers, h: s.getWallet},
		{method: "POST", path: "/v1/wallet/payins", roles: customers, keyed: true, h: s.createPayIn},
		{method: "POST", path: "/v1/wallet/payouts", roles: customers, keyed: true, h: s.createPayout},
		{method: "POST", path: "/v1/users/{id}/kyc", roles: staff, h: s.setKYC},
		{method: "POST", path: "/v1/projects", roles: staff, h: s.createProject},
		{method: "GET", path: "/v1/projects", roles: everyone, h: s.listProjects},
		{method: "POST", path: "/v1/projects/{id}/commitments", roles: lender, keyed: true, h: s.commit},
		{method: "POST", path: "/v1/projects/{id}/close", roles: staff, keyed: true, h: s.closeProject},
		{method: "PUT", path: "/v1/preferences", roles: lender, tx: s.setPreferences},
		{method: "GET", path: "/v1/preferences", roles: lender, tx: s.getPreferences},
		{method: "GET", path: "/v1/portfolio", roles: lender, tx: s.portfolio},
		{method: "GET", path: "/v1/portfolio/repayments", roles: lender, tx: s.repayments},
		{method: "GET", path: "/v1/loans/{id}", roles: everyone, tx: s.getLoan},
		{method: "GET", path: "/v1/loans/{id}/schedule", roles: everyone, tx: s.getSchedule},
		{method: "POST", path: "/v1/loans/{id}/payments", roles: borrowerOrStaff, money: true, tx: s.makePayment},
		{method: "POST", path: "/v1/loans/{id}/advisor", roles: staff, tx: s.assignAdvisor},
		{method: "POST", path: "/v1/loans/{id}/reschedule", roles: staff, tx: s.rescheduleLoan},
		{method: "POST", path: "/v1/servicing/run", roles: staff, keyed: true, h: s.runServicing},
		{method: "GET", path: "/v1/audit", roles: admin, h: s.listAudit},
		{method: "PUT", path: "/v1/notifications/settings", roles: everyone, tx: s.setNotificationSettings},
		{method: "GET", path: "/v1/notifications", roles: everyone, tx: s.listNotifications},
		{method: "POST", path: "/v1/webhooks", roles: staff, h: s.createWebhook},
		{method: "GET", path: "/v1/webhooks", roles: staff, tx: s.listWebhooks},
		{method: "GET", path: "/v1/webhooks/{id}/deliveries", roles: staff, tx: s.listDeliveries},
	}
}

// health serves GET /healthz: 200 when the database answers.
func (s *server) health(ctx context.Context, c *call) (int, any, error) {
	cur, latest, err := s.db.MigrationVersion(ctx)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"status": "ok", "schema": cur, "schema_latest": latest}, nil
}

// libraryError maps the domain packages' sentinel errors to API errors
// with stable codes.
func libraryError(err error) *apiError {
	switch {
	case errors.Is(err, wallet.ErrKYC):
		return &apiError{http.StatusForbidden, "kyc_required", "your identity checks do not allow this yet"}
	case errors.Is(err, wallet.ErrInsufficient), errors.Is(err, ledger.ErrInsufficientFunds):
		return &apiError{http.StatusConflict, "insufficient_funds", "the wallet's available balance is too low"}
	case errors.Is(err, wallet.ErrBlocked), errors.Is(err, wallet.ErrClosed):
		return &apiError{http.StatusConflict, "wallet_unavailable", "the wallet is blocked or closed"}
	case errors.Is(err, wallet.ErrNotFound):
		return &apiError{http.StatusNotFound, "not_found", "wallet not found"}
	case errors.Is(err, wallet.ErrOverfunded):
		return &apiError{http.StatusConflict, "overfunded", "the commitment would take the project past its target"}
	case errors.Is(err, wallet.ErrCampaignClosed), errors.Is(err, wallet.ErrPastDeadline):
		return &apiError{http.StatusConflict, "campaign_closed", "the project is not open for commitments"}
	case errors.Is(err, wallet.ErrCampaignOpen):
		return &apiError{http.StatusConflict, "campaign_open", "the project has not reached its target"}
	case errors.Is(err, wallet.ErrInvalid), errors.Is(err, wallet.ErrCurrency):
		return &apiError{http.StatusBadRequest, "invalid_request", err.Error()}
	case errors.Is(err, psp.ErrReferenceReused):
		return &apiError{http.StatusConflict, "idempotency_key_reused", "this Idempotency-Key was used with a different request"}
	case errors.Is(err, psp.ErrTimeout):
		return &apiError{http.StatusGatewayTimeout, "psp_timeout", "the payment institution did not answer; retry with the same Idempotency-Key"}
	}
	return nil
}

// shutdownGrace bounds how long a stopping server waits for in-flight
// requests; requestTimeout already bounds each one, so this is a backstop.
const shutdownGrace = 30 * time.Second

// runHTTP serves h on ln until ctx ends, then stops accepting connections
// and waits for in-flight requests to finish (http.Server.Shutdown) before
// returning. It returns nil after a clean shutdown.
func runHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      requestTimeout + 10*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// Requests keep running to completion on shutdown: their context is
		// not the server's.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}
