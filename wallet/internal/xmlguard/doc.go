// Package xmlguard wraps encoding/xml's streaming decoder with the limits a
// parser of untrusted bank files needs: a byte budget, a nesting depth, a
// per-text-node length, and no DTDs (so no entity tricks). The wallet's
// camt and pain parsers share it so that hostile input fails the same way
// everywhere: early, with an error saying which limit was hit.
package xmlguard
