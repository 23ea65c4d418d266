package contract

// messages is the contract text catalog: key → locale → text, formatted by
// golang.org/x/text/message (%s, %d). Every key has every locale; LocaleFor
// refuses to build otherwise, and template loading refuses keys not listed.
// French text uses U+2019 apostrophes and U+00A0 before double punctuation
// and inside guillemets, as French typography requires.
var messages = map[string]map[string]string{
	"title.consumer-loan": {
		"en": "Consumer credit agreement",
		"fr": "Contrat de crédit à la consommation",
		"it": "Contratto di credito ai consumatori",
	},
	"title.business-loan": {
		"en": "Business loan agreement",
		"fr": "Contrat de prêt professionnel",
		"it": "Contratto di finanziamento alle imprese",
	},
	"title.lender-agreement": {
		"en": "Loan agreement between a lender and a borrowing company",
		"fr": "Contrat de prêt entre un prêteur et une société emprunteuse",
		"it": "Contratto di prestito tra un prestatore e una società finanziata",
	},
	"title.employer-loan": {
		"en": "Employer-backed consumer credit agreement",
		"fr": "Contrat de crédit à la consommation avec le soutien de l’employeur",
		"it": "Contratto di credito ai consumatori con il sostegno del datore di lavoro",
	},
	"reference": {
		"en": "Reference %s, version %d, issued on %s",
		"fr": "Référence %s, version %d, établie le %s",
		"it": "Riferimento %s, versione %d, emesso il %s",
	},
	"intro.consumer": {
		"en": "This agreement sets out the terms of a credit granted to a consumer. It contains the information the law requires: read it carefully before signing.",
		"fr": "Le présent contrat fixe les conditions d’un crédit consenti à un consommateur. Il contient les informations exigées par la loi\u00a0: lisez-le attentivement avant de le signer.",
		"it": "Il presente contratto stabilisce le condizioni di un credito concesso a un consumatore. Contiene le informazioni richieste dalla legge: leggerlo attentamente prima di firmarlo.",
	},
	"intro.business": {
		"en": "This agreement sets out the terms of a loan granted to a company for its business.",
		"fr": "Le présent contrat fixe les conditions d’un prêt consenti à une société pour les besoins de son activité.",
		"it": "Il presente contratto stabilisce le condizioni di un finanziamento concesso a una società per la sua attività.",
	},
	"intro.lender": {
		"en": "Through the platform named below, the lender lends to the borrower the amount stated in this agreement, on the same terms as every other lender of the project.",
		"fr": "Par l’intermédiaire de la plateforme désignée ci-dessous, le prêteur prête à l’emprunteur le montant indiqué au présent contrat, aux mêmes conditions que tous les autres prêteurs du projet.",
		"it": "Tramite la piattaforma indicata di seguito, il prestatore presta alla società finanziata l’importo indicato nel presente contratto, alle stesse condizioni di tutti gli altri prestatori del progetto.",
	},
	"parties": {
		"en": "The parties",
		"fr": "Les parties",
		"it": "Le parti",
	},
	"lender": {
		"en": "Lender",
		"fr": "Prêteur",
		"it": "Finanziatore",
	},
	"borrower": {
		"en": "Borrower",
		"fr": "Emprunteur",
		"it": "Mutuatario",
	},
	"platform": {
		"en": "Intermediary platform",
		"fr": "Plateforme intermédiaire",
		"it": "Piattaforma intermediaria",
	},
	"employer": {
		"en": "Employer",
		"fr": "Employeur",
		"it": "Datore di lavoro",
	},
	"project": {
		"en": "Project",
		"fr": "Projet",
		"it": "Progetto",
	},
	"person.born": {
		"en": "%s, born on %s in %s, residing at %s",
		"fr": "%s, né(e) le %s à %s, demeurant %s",
		"it": "%s, nato/a il %s a %s, residente in %s",
	},
	"person": {
		"en": "%s, born on %s, residing at %s",
		"fr": "%s, né(e) le %s, demeurant %s",
		"it": "%s, nato/a il %s, residente in %s",
	},
	"company": {
		"en": "%s, registered under %s, registered office at %s",
		"fr": "%s, immatriculée sous le numéro %s, dont le siège est situé %s",
		"it": "%s, iscritta con il numero %s, con sede legale in %s",
	},
	"company.representative": {
		"en": "represented by %s",
		"fr": "représentée par %s",
		"it": "rappresentata da %s",
	},
	"company.licence": {
		"en": "authorisation %s",
		"fr": "agrément %s",
		"it": "autorizzazione %s",
	},
	"terms": {
		"en": "Terms of the credit",
		"fr": "Caractéristiques du crédit",
		"it": "Condizioni del credito",
	},
	"amount": {
		"en": "Amount of credit",
		"fr": "Montant du crédit",
		"it": "Importo del credito",
	},
	"amount.lent": {
		"en": "Amount lent",
		"fr": "Montant prêté",
		"it": "Importo prestato",
	},
	"purpose": {
		"en": "Purpose",
		"fr": "Objet",
		"it": "Finalità",
	},
	"duration": {
		"en": "Duration",
		"fr": "Durée",
		"it": "Durata",
	},
	"duration.months": {
		"en": "%d months",
		"fr": "%d mois",
		"it": "%d mesi",
	},
	"rate": {
		"en": "Fixed annual borrowing rate",
		"fr": "Taux débiteur annuel fixe",
		"it": "Tasso annuo nominale fisso (TAN)",
	},
	"apr": {
		"en": "Annual percentage rate of charge (APR)",
		"fr": "Taux annuel effectif global (TAEG)",
		"it": "Tasso annuo effettivo globale (TAEG)",
	},
	"apr.note": {
		"en": "The APR includes the interest and all fees and insurance charged for the credit; it assumes the credit runs to its term on the schedule below.",
		"fr": "Le TAEG inclut les intérêts ainsi que tous les frais et l’assurance liés au crédit\u00a0; il suppose que le crédit est remboursé selon l’échéancier ci-dessous jusqu’à son terme.",
		"it": "Il TAEG comprende gli interessi e tutte le spese e le assicurazioni connesse al credito; presuppone che il credito sia rimborsato secondo il piano seguente fino alla scadenza.",
	},
	"instalments": {
		"en": "Number of instalments",
		"fr": "Nombre d’échéances",
		"it": "Numero di rate",
	},
	"first-due": {
		"en": "First instalment",
		"fr": "Première échéance",
		"it": "Prima rata",
	},
	"last-due": {
		"en": "Last instalment",
		"fr": "Dernière échéance",
		"it": "Ultima rata",
	},
	"total.interest": {
		"en": "Total interest",
		"fr": "Total des intérêts",
		"it": "Totale degli interessi",
	},
	"total.fees": {
		"en": "Total fees",
		"fr": "Total des frais",
		"it": "Totale delle spese",
	},
	"total.insurance": {
		"en": "Total insurance",
		"fr": "Total de l’assurance",
		"it": "Totale dell’assicurazione",
	},
	"total.cost": {
		"en": "Total cost of credit",
		"fr": "Coût total du crédit",
		"it": "Costo totale del credito",
	},
	"total.payable": {
		"en": "Total amount payable",
		"fr": "Montant total dû",
		"it": "Importo totale dovuto",
	},
	"total.tax": {
		"en": "Total tax withheld",
		"fr": "Total des prélèvements à la source",
		"it": "Totale delle ritenute",
	},
	"total.net": {
		"en": "Total net repayments",
		"fr": "Total des remboursements nets",
		"it": "Totale dei rimborsi netti",
	},
	"schedule": {
		"en": "Repayment schedule",
		"fr": "Tableau d’amortissement",
		"it": "Piano di ammortamento",
	},
	"schedule.currency": {
		"en": "Amounts in %s.",
		"fr": "Montants en %s.",
		"it": "Importi in %s.",
	},
	"col.n": {
		"en": "No.",
		"fr": "N°",
		"it": "N.",
	},
	"col.due": {
		"en": "Due date",
		"fr": "Échéance",
		"it": "Scadenza",
	},
	"col.payment": {
		"en": "Instalment",
		"fr": "Échéance due",
		"it": "Rata",
	},
	"col.principal": {
		"en": "Principal",
		"fr": "Capital",
		"it": "Capitale",
	},
	"col.interest": {
		"en": "Interest",
		"fr": "Intérêts",
		"it": "Interessi",
	},
	"col.fee": {
		"en": "Fees",
		"fr": "Frais",
		"it": "Spese",
	},
	"col.insurance": {
		"en": "Insurance",
		"fr": "Assurance",
		"it": "Assicurazione",
	},
	"col.tax": {
		"en": "Tax withheld",
		"fr": "Prélèvements",
		"it": "Ritenute",
	},
	"col.net": {
		"en": "Net",
		"fr": "Net",
		"it": "Netto",
	},
	"col.balance": {
		"en": "Outstanding",
		"fr": "Capital restant dû",
		"it": "Debito residuo",
	},
	"col.total": {
		"en": "Total",
		"fr": "Total",
		"it": "Totale",
	},
	"withdrawal": {
		"en": "Right of withdrawal",
		"fr": "Droit de rétractation",
		"it": "Diritto di recesso",
	},
	"withdrawal.text": {
		"en": "The borrower may withdraw from this agreement within %d calendar days of its signature, without giving any reason, by a notice sent to %s. The borrower then repays the capital received and the interest accrued at the borrowing rate from the drawdown to the repayment, no later than 30 days after sending the notice.",
		"fr": "L’emprunteur peut se rétracter du présent contrat dans un délai de %d jours calendaires à compter de sa signature, sans avoir à motiver sa décision, par une notification adressée à %s. Il rembourse alors le capital reçu et les intérêts courus au taux débiteur entre le déblocage des fonds et le remboursement, au plus tard 30 jours après l’envoi de la notification.",
		"it": "Il mutuatario può recedere dal presente contratto entro %d giorni di calendario dalla firma, senza indicarne il motivo, con una comunicazione inviata a %s. Restituisce quindi il capitale ricevuto e gli interessi maturati al tasso nominale dall’erogazione alla restituzione, entro 30 giorni dall’invio della comunicazione.",
	},
	"late": {
		"en": "Late payment",
		"fr": "Retard de paiement",
		"it": "Ritardo nei pagamenti",
	},
	"late.interest": {
		"en": "Any instalment unpaid on its due date bears late interest at the annual rate of %s on the overdue amount until it is paid in full.",
		"fr": "Toute échéance impayée à sa date porte intérêts de retard au taux annuel de %s sur le montant échu jusqu’à complet paiement.",
		"it": "Ogni rata non pagata alla scadenza produce interessi di mora al tasso annuo del %s sull’importo scaduto fino al pagamento integrale.",
	},
	"late.grace": {
		"en": "Late interest runs from %d days after the due date.",
		"fr": "Les intérêts de retard courent à compter de %d jours après l’échéance.",
		"it": "Gli interessi di mora decorrono da %d giorni dopo la scadenza.",
	},
	"late.fee": {
		"en": "A fee of %s is charged for each formal reminder.",
		"fr": "Des frais de %s sont perçus pour chaque mise en demeure.",
		"it": "Per ogni sollecito formale è addebitato un importo di %s.",
	},
	"late.consequences": {
		"en": "Repeated missed payments may lead to the termination of the agreement, the whole outstanding amount becoming due at once, to the registration of the default in the credit register where the law requires it, and to recovery through the courts at the borrower’s expense.",
		"fr": "Des défauts de paiement répétés peuvent entraîner la résiliation du contrat et l’exigibilité immédiate de la totalité des sommes restant dues, l’inscription de l’incident au fichier national lorsque la loi le prévoit et un recouvrement judiciaire aux frais de l’emprunteur.",
		"it": "Ripetuti mancati pagamenti possono comportare la risoluzione del contratto con l’immediata esigibilità dell’intero debito residuo, la segnalazione dell’inadempimento alla centrale dei rischi ove la legge lo preveda e il recupero giudiziale a spese del mutuatario.",
	},
	"late.lenders": {
		"en": "Late interest paid by the borrower is distributed to the lenders of the project in proportion to the capital they are owed.",
		"fr": "Les intérêts de retard versés par l’emprunteur sont répartis entre les prêteurs du projet au prorata du capital qui leur est dû.",
		"it": "Gli interessi di mora pagati dalla società finanziata sono ripartiti tra i prestatori del progetto in proporzione al capitale loro dovuto.",
	},
	"employer.text": {
		"en": "This credit is granted under the credit policy agreed with the employer %s (partner code %s).",
		"fr": "Ce crédit est consenti dans le cadre de la politique de crédit convenue avec l’employeur %s (code partenaire %s).",
		"it": "Il presente credito è concesso nell’ambito della politica creditizia concordata con il datore di lavoro %s (codice partner %s).",
	},
	"employer.guarantee": {
		"en": "The employer guarantees %s of the outstanding capital.",
		"fr": "L’employeur garantit %s du capital restant dû.",
		"it": "Il datore di lavoro garantisce il %s del debito residuo.",
	},
	"employer.payroll": {
		"en": "With the borrower’s consent, instalments are deducted from the salary.",
		"fr": "Avec l’accord de l’emprunteur, les échéances sont prélevées sur son salaire.",
		"it": "Con il consenso del mutuatario, le rate sono trattenute sullo stipendio.",
	},
	"risk": {
		"en": "Risk warning",
		"fr": "Avertissement sur les risques",
		"it": "Avvertenza sui rischi",
	},
	"risk.text": {
		"en": "Lending to a company carries the risk of losing all or part of the capital lent and the risk of not being able to sell the claim. Lend only what you can afford to lose, and spread your lending over several projects.",
		"fr": "Prêter à une entreprise comporte un risque de perte totale ou partielle du capital prêté et un risque d’illiquidité. Ne prêtez que ce que vous pouvez vous permettre de perdre et diversifiez vos prêts entre plusieurs projets.",
		"it": "Prestare a un’impresa comporta il rischio di perdere in tutto o in parte il capitale prestato e il rischio di non poter cedere il credito. Prestate solo ciò che potete permettervi di perdere e ripartite i prestiti su più progetti.",
	},
	"tax": {
		"en": "Taxation",
		"fr": "Fiscalité",
		"it": "Regime fiscale",
	},
	"tax.text": {
		"en": "Tax is withheld at source on the interest at the rate of %s.",
		"fr": "Les intérêts font l’objet d’un prélèvement à la source au taux de %s.",
		"it": "Sugli interessi è applicata una ritenuta alla fonte con aliquota del %s.",
	},
	"signatures": {
		"en": "Signatures",
		"fr": "Signatures",
		"it": "Firme",
	},
	"signatures.text": {
		"en": "Made in %s on %s in electronic form. Each party signs electronically; the evidence of each signature is bound to the fingerprint of this document printed at the foot of every page.",
		"fr": "Fait à %s le %s sous forme électronique. Chaque partie signe électroniquement\u00a0; la preuve de chaque signature est liée à l’empreinte du présent document imprimée en pied de chaque page.",
		"it": "Fatto a %s il %s in forma elettronica. Ogni parte firma elettronicamente; la prova di ogni firma è collegata all’impronta del presente documento stampata in calce a ogni pagina.",
	},
	"signatures.for": {
		"en": "%s: %s",
		"fr": "%s\u00a0: %s",
		"it": "%s: %s",
	},
	"footer.page": {
		"en": "Page %s of %s",
		"fr": "Page %s sur %s",
		"it": "Pagina %s di %s",
	},
	"footer.fingerprint": {
		"en": "Fingerprint (SHA-256): %s",
		"fr": "Empreinte (SHA-256)\u00a0: %s",
		"it": "Impronta (SHA-256): %s",
	},
}
