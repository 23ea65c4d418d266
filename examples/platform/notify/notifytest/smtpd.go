package notifytest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
)

// Received is one message as the server got it.
type Received struct {
	From, To string
	// Header is the parsed header; Body the raw body (still
	// transfer-encoded).
	Header mail.Header
	Body   []byte
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	ln   net.Listener

	mu       sync.Mutex
	all      []Received
	byID     map[string]int // outbox id → copies received
	onAccept func(Received)
	wg       sync.WaitGroup
}

// Start listens on a free 127.0.0.1 port and serves until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, byID: map[string]int{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

// OnAccept sets a function called (outside the lock) after each accepted
// message, before the server replies 250 to the final dot.
func (s *Server) OnAccept(f func(Received)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAccept = f
}

// Messages returns every message received, duplicates included.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.all...)
}

// Copies returns how many copies of each outbox id arrived.
func (s *Server) Copies() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.byID))
	for k, v := range s.byID {
		out[k] = v
	}
	return out
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(format string, args ...any) bool {
		fmt.Fprintf(w, format+"\r\n", args...)
		return w.Flush() == nil
	}
	if !reply("220 notifytest ESMTP") {
		return
	}
	var from, to string
	for range 1000 { // bounded: a test session sends a handful of commands
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			if !reply("250-notifytest\r\n250 8BITMIME") {
				return
			}
		case strings.HasPrefix(verb, "HELO"), strings.HasPrefix(verb, "NOOP"):
			reply("250 ok")
		case strings.HasPrefix(verb, "RSET"):
			from, to = "", ""
			reply("250 ok")
		case strings.HasPrefix(verb, "MAIL FROM:"):
			from = envelopeAddr(line[len("MAIL FROM:"):])
			reply("250 ok")
		case strings.HasPrefix(verb, "RCPT TO:"):
			to = envelopeAddr(line[len("RCPT TO:"):])
			reply("250 ok")
		case verb == "DATA":
			if from == "" || to == "" {
				reply("503 need MAIL and RCPT first")
				continue
			}
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			var raw bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				raw.WriteString(strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			msg, err := mail.ReadMessage(&raw)
			if err != nil {
				reply("554 unparsable message: %v", err)
				continue
			}
			body, _ := io.ReadAll(msg.Body)
			rec := Received{From: from, To: to, Header: msg.Header, Body: body}
			s.mu.Lock()
			s.all = append(s.all, rec)
			s.byID[msg.Header.Get("X-Lendkit-Outbox-Id")]++
			f := s.onAccept
			s.mu.Unlock()
			if f != nil {
				f(rec)
			}
			if !reply("250 queued") {
				return
			}
			from, to = "", ""
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// envelopeAddr is the address of a MAIL FROM/RCPT TO argument, without its
// angle brackets and ESMTP parameters (BODY=8BITMIME, …).
func envelopeAddr(arg string) string {
	arg = strings.TrimSpace(arg)
	if strings.HasPrefix(arg, "<") {
		if end := strings.IndexByte(arg, '>'); end > 0 {
			return arg[1:end]
		}
	}
	a, _, _ := strings.Cut(arg, " ")
	return a
}
