package contract

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// fpdf compresses each content stream with a fresh zlib writer, and a
// compress/flate writer allocates about a megabyte of tables: with three
// pages a contract, that was two thirds of all the memory rendering
// allocated, and the garbage collector's work dominated bulk runs. So the
// layout writes streams uncompressed and compressStreams deflates them with
// pooled writers, then rewrites the cross-reference table.
var zlibPool = sync.Pool{New: func() any {
	w, err := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	if err != nil { // BestSpeed is a valid level: cannot happen
		return nil
	}
	return w
}}

// compressStreams is finishPDF with compression and no alias.
func compressStreams(raw []byte) ([]byte, error) { return finishPDF(raw, nil, nil, true) }

// finishPDF rewrites an uncompressed PDF written by fpdf: in every plain
// stream ("<</Length n>>") alias is replaced by value (the page count) and,
// with compress, the stream is deflated (FlateDecode); the cross-reference
// table is recomputed. It understands fpdf's output only: objects
// "n 0 obj … endobj" in sequence, then "xref", "trailer", "startxref".
func finishPDF(raw, alias, value []byte, compress bool) ([]byte, error) {
	bad := func(pos int, what string) ([]byte, error) {
		return nil, fmt.Errorf("%w: pdf rewrite at byte %d: %s", ErrRender, pos, what)
	}
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		return bad(0, "no PDF header")
	}
	zw, _ := zlibPool.Get().(*zlib.Writer)
	if zw == nil {
		return bad(0, "no zlib writer")
	}
	defer zlibPool.Put(zw)
	out := make([]byte, 0, len(raw)/2)
	out = append(out, raw[:nl+1]...)
	var offsets []int // by object number; -1 for free
	var zbuf bytes.Buffer
	pos := nl + 1
	for !bytes.HasPrefix(raw[pos:], []byte("xref\n")) {
		sp := bytes.IndexByte(raw[pos:], ' ')
		if sp <= 0 {
			return bad(pos, "expected an object")
		}
		num, err := strconv.Atoi(string(raw[pos : pos+sp]))
		if err != nil || num <= 0 || num > 1<<20 {
			return bad(pos, "bad object number")
		}
		head := pos + sp
		if !bytes.HasPrefix(raw[head:], []byte(" 0 obj\n")) {
			return bad(pos, "expected \" 0 obj\"")
		}
		body := head + len(" 0 obj\n")
		for len(offsets) <= num {
			offsets = append(offsets, -1)
		}
		offsets[num] = len(out)
		if n, dataAt, ok := plainStream(raw, body); ok {
			end := dataAt + n
			if end > len(raw) || !bytes.HasPrefix(raw[end:], []byte("\nendstream\nendobj\n")) {
				return bad(dataAt, "stream length does not match")
			}
			data := raw[dataAt:end]
			out = append(out, raw[pos:body]...)
			if compress {
				zbuf.Reset()
				zw.Reset(&zbuf)
				if err := writeReplacing(zw, data, alias, value); err != nil {
					return bad(dataAt, err.Error())
				}
				if err := zw.Close(); err != nil {
					return bad(dataAt, err.Error())
				}
				out = append(out, "<</Filter /FlateDecode /Length "...)
				out = strconv.AppendInt(out, int64(zbuf.Len()), 10)
				out = append(out, ">>\nstream\n"...)
				out = append(out, zbuf.Bytes()...)
			} else {
				zbuf.Reset()
				if err := writeReplacing(&zbuf, data, alias, value); err != nil {
					return bad(dataAt, err.Error())
				}
				out = append(out, "<</Length "...)
				out = strconv.AppendInt(out, int64(zbuf.Len()), 10)
				out = append(out, ">>\nstream\n"...)
				out = append(out, zbuf.Bytes()...)
			}
			out = append(out, "\nendstream\nendobj\n"...)
			pos = end + len("\nendstream\nendobj\n")
			continue
		}
		e := bytes.Index(raw[body:], []byte("endobj\n"))
		if e < 0 {
			return bad(body, "unterminated object")
		}
		next := body + e + len("endobj\n")
		out = append(out, raw[pos:next]...)
		pos = next
	}
	if len(offsets) < 2 {
		return bad(pos, "no objects")
	}
	t := bytes.Index(raw[pos:], []byte("trailer\n"))
	s := bytes.Index(raw[pos:], []byte("startxref\n"))
	if t < 0 || s < t {
		return bad(pos, "no trailer")
	}
	xref := len(out)
	out = append(out, "xref\n0 "...)
	out = strconv.AppendInt(out, int64(len(offsets)), 10)
	out = append(out, "\n0000000000 65535 f \n"...)
	for _, off := range offsets[1:] {
		if off < 0 {
			out = append(out, "0000000000 65535 f \n"...)
			continue
		}
		out = fmt.Appendf(out, "%010d 00000 n \n", off)
	}
	out = append(out, raw[pos+t:pos+s]...)
	out = append(out, "startxref\n"...)
	out = strconv.AppendInt(out, int64(xref), 10)
	out = append(out, "\n%%EOF\n"...)
	return out, nil
}

// plainStream reports whether the object body at i is exactly
// "<</Length n>>\nstream\n", returning n and where the data starts.
func plainStream(raw []byte, i int) (n, dataAt int, ok bool) {
	const pre = "<</Length "
	if !bytes.HasPrefix(raw[i:], []byte(pre)) {
		return 0, 0, false
	}
	j := i + len(pre)
	k := j
	for k < len(raw) && raw[k] >= '0' && raw[k] <= '9' {
		k++
	}
	if k == j || !bytes.HasPrefix(raw[k:], []byte(">>\nstream\n")) {
		return 0, 0, false
	}
	n, err := strconv.Atoi(string(raw[j:k]))
	if err != nil {
		return 0, 0, false
	}
	return n, k + len(">>\nstream\n"), true
}

// writeReplacing writes data to w with every alias replaced by value,
// without building the replaced copy.
func writeReplacing(w io.Writer, data, alias, value []byte) error {
	for len(alias) > 0 {
		i := bytes.Index(data, alias)
		if i < 0 {
			break
		}
		if _, err := w.Write(data[:i]); err != nil {
			return err
		}
		if _, err := w.Write(value); err != nil {
			return err
		}
		data = data[i+len(alias):]
	}
	_, err := w.Write(data)
	return err
}
