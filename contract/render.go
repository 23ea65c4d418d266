package contract

import (
	"fmt"
)

// Document is one rendered contract version. HTML is the canonical text:
// Fingerprint is its SHA-256 and is what signatures bind to. PDF (nil when
// only HTML was rendered) is laid out from HTML deterministically and
// carries Fingerprint in the footer of every page; PDFDigest is the PDF's
// own SHA-256, so a stored PDF can be verified byte for byte too.
type Document struct {
	Kind        Kind
	Locale      string
	Reference   string
	Version     int
	HTML        []byte
	Fingerprint Fingerprint
	PDF         []byte
	PDFDigest   Fingerprint
	// Data is what the document was rendered from (nil for a document
	// loaded without it). Save stores it so the contract can be
	// re-rendered and compared later.
	Data *Data
}

// Verify checks that the document's bytes match its recorded fingerprints:
// the HTML against Fingerprint and, if present, the PDF against PDFDigest.
// A changed byte in either is a *MismatchError (errors.Is ErrTampered).
func (d *Document) Verify() error {
	if err := Verify(d.HTML, d.Fingerprint); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	if d.PDF != nil {
		if err := Verify(d.PDF, d.PDFDigest); err != nil {
			return fmt.Errorf("pdf: %w", err)
		}
	}
	return nil
}

// Renderer turns contract data into documents. It is immutable and safe for
// concurrent use; Bulk shares one across its workers.
type Renderer struct {
	templates *Templates
	compress  bool
}

// Option configures a Renderer.
type Option func(*Renderer)

// WithoutCompression writes PDF content streams uncompressed: larger files
// whose text can be read with any text tool. For tests and debugging.
func WithoutCompression() Option { return func(r *Renderer) { r.compress = false } }

// NewRenderer returns a renderer using templates (DefaultTemplates() or a
// set extended with Templates.With).
func NewRenderer(templates *Templates, opts ...Option) *Renderer {
	r := &Renderer{templates: templates, compress: true}
	for _, o := range opts {
		o(r)
	}
	return r
}

// HTML renders d to HTML only. Invalid data is refused before any template
// runs: a missing mandatory field is a *MissingFieldError naming it.
func (r *Renderer) HTML(d *Data) (Document, error) {
	v, err := d.view()
	if err != nil {
		return Document{}, err
	}
	return r.html(v)
}

func (r *Renderer) html(v *View) (Document, error) {
	html, err := r.templates.html(v)
	if err != nil {
		return Document{}, err
	}
	return Document{
		Kind: v.Kind, Locale: v.Locale, Reference: v.Reference, Version: v.Version,
		HTML: html, Fingerprint: FingerprintOf(html), Data: &v.Data,
	}, nil
}

// Render renders d to HTML and PDF. The output depends on d and the
// templates only (the PDF's creation date is d.IssueDate), so rendering the
// same data again gives the same bytes and the same fingerprints.
func (r *Renderer) Render(d *Data) (Document, error) {
	v, err := d.view()
	if err != nil {
		return Document{}, err
	}
	return r.renderView(v)
}

func (r *Renderer) renderView(v *View) (Document, error) {
	doc, err := r.html(v)
	if err != nil {
		return Document{}, err
	}
	root, err := parseMarkup(doc.HTML)
	if err != nil {
		return Document{}, fmt.Errorf("%w: %s: %w", ErrRender, v.Reference, err)
	}
	loc, err := LocaleFor(v.Locale)
	if err != nil {
		return Document{}, err
	}
	title := v.Reference
	if t := root.find("title"); t != nil {
		title = t.textOf()
	}
	pdf, err := renderPDF(root, pdfMeta{
		title:       title,
		reference:   v.Reference,
		fingerprint: doc.Fingerprint.String(),
		footer:      loc.Text("footer.fingerprint", doc.Fingerprint.String()),
		created:     v.IssueDate.Time(),
		pageText:    func(page string) string { return loc.Text("footer.page", page, "{nb}") },
		compress:    r.compress,
	})
	if err != nil {
		return Document{}, err
	}
	doc.PDF = pdf
	doc.PDFDigest = FingerprintOf(pdf)
	return doc, nil
}
