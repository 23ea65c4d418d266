package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints. In WAL mode every commit appends the pages it changed to the
// WAL, and a checkpoint copies them back into the database file (and fsyncs
// both) so that the WAL can start over. SQLite's default runs the checkpoint
// inside the COMMIT that takes the WAL past 1,000 pages: on a ledger
// committing transactions one by one that was a tenth of the writer's time,
// plus two fsyncs waited for on the writer's path.
//
// Here a checkpointer goroutine, on a connection of its own, copies pages in
// the background (PASSIVE: it never blocks a reader or the writer) shortly
// after commits. The writer keeps SQLite's own checkpoint as a backstop at a
// higher threshold: it finds the pages already copied, finishes the last few
// and lets the WAL restart from its beginning, so the WAL stays bounded even
// if the checkpointer falls behind.
const (
	// writerCheckpointPages is the writer's own wal_autocheckpoint.
	writerCheckpointPages = 10000
	// checkpointDelay lets commits accumulate before a background
	// checkpoint, so that a page written by many commits is copied once.
	checkpointDelay = 10 * time.Millisecond
)

type checkpointer struct {
	conn *sql.DB
	kick chan struct{} // a commit happened (buffered, never blocks the writer)
	stop chan struct{}
	done chan struct{}
}

func newCheckpointer(conn *sql.DB) *checkpointer {
	c := &checkpointer{conn: conn, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// committed tells the checkpointer that the writer committed.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-c.kick:
		case <-c.stop:
			return
		}
		t.Reset(checkpointDelay)
		select {
		case <-t.C:
		case <-c.stop:
			return
		}
		// A failure (SQLITE_BUSY while another checkpoint runs, an I/O
		// error) leaves the pages in the WAL, where they are as durable;
		// the next kick or the writer's own checkpoint tries again.
		_, _ = c.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.conn.Close()
}
