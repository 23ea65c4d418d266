package notify

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// tmpl is one kind's template in one language: the email subject and body,
// and the SMS text (short: one segment where the data allows).
type tmpl struct{ subject, body, sms string }

// Fields each kind's templates read from the data map. Render checks them
// up front so a missing field is reported by name, in any language.
var fields = map[Kind][]string{
	Reminder:          {"name", "loan", "amount", "due", "days"},
	PaymentReceived:   {"name", "loan", "amount", "date"},
	LatePayment:       {"name", "loan", "amount", "days_late"},
	InsufficientFunds: {"name", "loan", "due_amount", "collected"},
	DecisionMade:      {"name", "application", "amount", "outcome"},
	ContractToSign:    {"name", "reference", "amount"},
	DisbursementDone:  {"name", "loan", "amount"},
	LenderRepayment:   {"name", "loan", "amount", "tax"},
	SignatureCode:     {"name", "code", "reference", "expires"},
}

// Fields returns the data fields kind's templates need.
func Fields(k Kind) []string { return append([]string(nil), fields[k]...) }

// sources are the templates. Outcome values are "approved", "declined" and
// "referred" (the application's status).
var sources = map[Kind]map[Locale]tmpl{
	Reminder: {
		English: {"Your instalment of {{.amount}} is due on {{.due}}",
			"Hello {{.name}},\n\nA reminder: the instalment of {{.amount}} on loan {{.loan}} is due on {{.due}}, in {{.days}} days.\nPlease make sure your account holds it.\n",
			"Lendkit: {{.amount}} due {{.due}} on loan {{.loan}}."},
		French: {"Votre échéance de {{.amount}} arrive le {{.due}}",
			"Bonjour {{.name}},\n\nPetit rappel : l'échéance de {{.amount}} du prêt {{.loan}} est due le {{.due}}, dans {{.days}} jours.\nMerci de vérifier que votre compte est approvisionné.\n",
			"Lendkit : {{.amount}} dus le {{.due}}, prêt {{.loan}}."},
		Italian: {"La rata di {{.amount}} scade il {{.due}}",
			"Gentile {{.name}},\n\nle ricordiamo che la rata di {{.amount}} del prestito {{.loan}} scade il {{.due}}, tra {{.days}} giorni.\nLa preghiamo di verificare che il conto abbia la provvista.\n",
			"Lendkit: rata di {{.amount}} in scadenza il {{.due}}, prestito {{.loan}}."},
	},
	PaymentReceived: {
		English: {"Payment of {{.amount}} received",
			"Hello {{.name}},\n\nWe received your payment of {{.amount}} on {{.date}} for loan {{.loan}}. Thank you.\n",
			"Lendkit: payment of {{.amount}} received for loan {{.loan}}."},
		French: {"Paiement de {{.amount}} reçu",
			"Bonjour {{.name}},\n\nNous avons reçu votre paiement de {{.amount}} le {{.date}} pour le prêt {{.loan}}. Merci.\n",
			"Lendkit : paiement de {{.amount}} reçu, prêt {{.loan}}."},
		Italian: {"Pagamento di {{.amount}} ricevuto",
			"Gentile {{.name}},\n\nabbiamo ricevuto il suo pagamento di {{.amount}} del {{.date}} per il prestito {{.loan}}. Grazie.\n",
			"Lendkit: pagamento di {{.amount}} ricevuto, prestito {{.loan}}."},
	},
	LatePayment: {
		English: {"Late payment on loan {{.loan}}",
			"Hello {{.name}},\n\nLoan {{.loan}} is {{.days_late}} days late: {{.amount}} is overdue, and late interest accrues until it is paid.\nPlease pay it as soon as you can, or contact your advisor.\n",
			"Lendkit: loan {{.loan}} is {{.days_late}} days late, {{.amount}} overdue."},
		French: {"Retard de paiement sur le prêt {{.loan}}",
			"Bonjour {{.name}},\n\nLe prêt {{.loan}} a {{.days_late}} jours de retard : {{.amount}} restent impayés, et des intérêts de retard courent jusqu'au paiement.\nMerci de régulariser au plus vite ou de contacter votre conseiller.\n",
			"Lendkit : prêt {{.loan}} en retard de {{.days_late}} jours, {{.amount}} impayés."},
		Italian: {"Ritardo di pagamento sul prestito {{.loan}}",
			"Gentile {{.name}},\n\nil prestito {{.loan}} è in ritardo di {{.days_late}} giorni: {{.amount}} risultano insoluti e maturano interessi di mora fino al pagamento.\nLa preghiamo di regolarizzare al più presto o di contattare il suo consulente.\n",
			"Lendkit: prestito {{.loan}} in ritardo di {{.days_late}} giorni, {{.amount}} insoluti."},
	},
	InsufficientFunds: {
		English: {"Collection short on loan {{.loan}}",
			"Hello {{.name}},\n\nWe could collect only {{.collected}} of the {{.due_amount}} due on loan {{.loan}}: the funds were insufficient.\nPlease top up your account; the rest stays due.\n",
			"Lendkit: insufficient funds, {{.collected}} of {{.due_amount}} collected on loan {{.loan}}."},
		French: {"Prélèvement incomplet sur le prêt {{.loan}}",
			"Bonjour {{.name}},\n\nNous n'avons pu prélever que {{.collected}} sur les {{.due_amount}} dus au titre du prêt {{.loan}} : provision insuffisante.\nMerci d'approvisionner votre compte ; le solde reste dû.\n",
			"Lendkit : provision insuffisante, {{.collected}} prélevés sur {{.due_amount}}, prêt {{.loan}}."},
		Italian: {"Addebito incompleto sul prestito {{.loan}}",
			"Gentile {{.name}},\n\nabbiamo potuto addebitare solo {{.collected}} dei {{.due_amount}} dovuti per il prestito {{.loan}}: fondi insufficienti.\nLa preghiamo di ricaricare il conto; il residuo resta dovuto.\n",
			"Lendkit: fondi insufficienti, addebitati {{.collected}} su {{.due_amount}}, prestito {{.loan}}."},
	},
	DecisionMade: {
		English: {"Decision on your application {{.application}}",
			"Hello {{.name}},\n\n{{if eq .outcome \"approved\"}}Good news: your application for {{.amount}} is approved.{{else if eq .outcome \"referred\"}}Your application for {{.amount}} is being reviewed by an advisor; we will write again soon.{{else}}We are sorry: your application for {{.amount}} is declined.{{end}}\n",
			"Lendkit: application {{.application}} {{.outcome}}."},
		French: {"Décision sur votre demande {{.application}}",
			"Bonjour {{.name}},\n\n{{if eq .outcome \"approved\"}}Bonne nouvelle : votre demande de {{.amount}} est acceptée.{{else if eq .outcome \"referred\"}}Votre demande de {{.amount}} est à l'étude auprès d'un conseiller ; nous revenons vers vous rapidement.{{else}}Nous sommes désolés : votre demande de {{.amount}} est refusée.{{end}}\n",
			"Lendkit : demande {{.application}} {{if eq .outcome \"approved\"}}acceptée{{else if eq .outcome \"referred\"}}à l'étude{{else}}refusée{{end}}."},
		Italian: {"Esito della richiesta {{.application}}",
			"Gentile {{.name}},\n\n{{if eq .outcome \"approved\"}}Buone notizie: la sua richiesta di {{.amount}} è approvata.{{else if eq .outcome \"referred\"}}La sua richiesta di {{.amount}} è in esame presso un consulente; le scriveremo presto.{{else}}Siamo spiacenti: la sua richiesta di {{.amount}} non è stata accolta.{{end}}\n",
			"Lendkit: richiesta {{.application}} {{if eq .outcome \"approved\"}}approvata{{else if eq .outcome \"referred\"}}in esame{{else}}respinta{{end}}."},
	},
	ContractToSign: {
		English: {"Your credit agreement {{.reference}} is ready to sign",
			"Hello {{.name}},\n\nYour credit agreement {{.reference}} for {{.amount}} is ready. Read it in your space and sign it with the one-time code we will send you.\n",
			"Lendkit: agreement {{.reference}} ready to sign."},
		French: {"Votre contrat de crédit {{.reference}} est prêt à signer",
			"Bonjour {{.name}},\n\nVotre contrat de crédit {{.reference}} pour {{.amount}} est prêt. Lisez-le dans votre espace et signez-le avec le code à usage unique que nous vous enverrons.\n",
			"Lendkit : contrat {{.reference}} prêt à signer."},
		Italian: {"Il contratto di credito {{.reference}} è pronto per la firma",
			"Gentile {{.name}},\n\nil contratto di credito {{.reference}} per {{.amount}} è pronto. Lo legga nella sua area e lo firmi con il codice monouso che le invieremo.\n",
			"Lendkit: contratto {{.reference}} pronto per la firma."},
	},
	DisbursementDone: {
		English: {"Loan {{.loan}}: {{.amount}} disbursed",
			"Hello {{.name}},\n\nThe {{.amount}} of loan {{.loan}} are in your wallet. Your repayment schedule is in your space.\n",
			"Lendkit: {{.amount}} of loan {{.loan}} disbursed."},
		French: {"Prêt {{.loan}} : {{.amount}} versés",
			"Bonjour {{.name}},\n\nLes {{.amount}} du prêt {{.loan}} sont sur votre portefeuille. Votre échéancier est dans votre espace.\n",
			"Lendkit : {{.amount}} du prêt {{.loan}} versés."},
		Italian: {"Prestito {{.loan}}: {{.amount}} erogati",
			"Gentile {{.name}},\n\ni {{.amount}} del prestito {{.loan}} sono nel suo portafoglio. Il piano di ammortamento è nella sua area.\n",
			"Lendkit: {{.amount}} del prestito {{.loan}} erogati."},
	},
	SignatureCode: {
		English: {"Your signature code for {{.reference}}",
			"Hello {{.name}},\n\nYour code to sign the credit agreement {{.reference}} is {{.code}}. It expires at {{.expires}}.\nNobody from the platform will ever ask you for it.\n",
			"Lendkit: code {{.code}} to sign {{.reference}}, valid until {{.expires}}. Never share it."},
		French: {"Votre code de signature pour {{.reference}}",
			"Bonjour {{.name}},\n\nVotre code pour signer le contrat de crédit {{.reference}} est {{.code}}. Il expire à {{.expires}}.\nPersonne de la plateforme ne vous le demandera jamais.\n",
			"Lendkit : code {{.code}} pour signer {{.reference}}, valable jusqu'à {{.expires}}. Ne le communiquez pas."},
		Italian: {"Il suo codice di firma per {{.reference}}",
			"Gentile {{.name}},\n\nil codice per firmare il contratto di credito {{.reference}} è {{.code}}. Scade alle {{.expires}}.\nNessuno della piattaforma glielo chiederà mai.\n",
			"Lendkit: codice {{.code}} per firmare {{.reference}}, valido fino alle {{.expires}}. Non condividerlo."},
	},
	LenderRepayment: {
		English: {"Repayment received: {{.amount}} from loan {{.loan}}",
			"Hello {{.name}},\n\nLoan {{.loan}} repaid you {{.amount}} net ({{.tax}} tax withheld). It is in your wallet.\n",
			"Lendkit: {{.amount}} received from loan {{.loan}}."},
		French: {"Remboursement reçu : {{.amount}} du prêt {{.loan}}",
			"Bonjour {{.name}},\n\nLe prêt {{.loan}} vous a remboursé {{.amount}} net ({{.tax}} de prélèvements retenus). La somme est sur votre portefeuille.\n",
			"Lendkit : {{.amount}} reçus du prêt {{.loan}}."},
		Italian: {"Rimborso ricevuto: {{.amount}} dal prestito {{.loan}}",
			"Gentile {{.name}},\n\nil prestito {{.loan}} le ha rimborsato {{.amount}} netti ({{.tax}} di ritenute). La somma è nel suo portafoglio.\n",
			"Lendkit: {{.amount}} ricevuti dal prestito {{.loan}}."},
	},
}

// compiled holds the parsed templates, built once at package init; a
// template that does not parse is a programming error caught by every test.
var compiled = func() map[Kind]map[Locale][3]*template.Template {
	out := map[Kind]map[Locale][3]*template.Template{}
	for k, byLocale := range sources {
		out[k] = map[Locale][3]*template.Template{}
		for l, t := range byLocale {
			var ts [3]*template.Template
			for i, src := range []string{t.subject, t.body, t.sms} {
				ts[i] = template.Must(template.New(fmt.Sprintf("%s.%s.%d", k, l, i)).Option("missingkey=error").Parse(src))
			}
			out[k][l] = ts
		}
	}
	return out
}()

// Render fills kind's template in locale with data and returns the email
// subject and body and the SMS text. Every field Fields(kind) names must be
// present and non-empty.
func Render(kind Kind, locale Locale, data map[string]string) (subject, body, sms string, err error) {
	byLocale, ok := compiled[kind]
	if !ok {
		return "", "", "", fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	ts, ok := byLocale[locale]
	if !ok {
		return "", "", "", fmt.Errorf("%w: %q", ErrUnknownLocale, locale)
	}
	for _, f := range fields[kind] {
		if strings.TrimSpace(data[f]) == "" {
			return "", "", "", fmt.Errorf("%w: %s/%s: field %q is missing", ErrTemplate, kind, locale, f)
		}
	}
	var out [3]string
	for i, t := range ts {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return "", "", "", fmt.Errorf("%w: %s/%s: %v", ErrTemplate, kind, locale, err)
		}
		out[i] = b.String()
	}
	return out[0], out[1], out[2], nil
}
