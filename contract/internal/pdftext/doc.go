// Package pdftext extracts the text of the PDFs lendkit's contract package
// writes, so tests can compare a PDF with the data it was made from without
// an external tool.
//
// It understands what fpdf produces with the PDF core fonts: content streams
// (plain or FlateDecode) in which text is drawn by "x y Td (string) Tj"
// inside BT … ET, strings in the Windows-1252 encoding with backslash and
// octal escapes. It is not a general PDF parser: no cross-reference
// parsing, object streams, other filters, TJ arrays or font encodings.
package pdftext
