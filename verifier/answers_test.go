package verifier

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/immunopass/immunopass/credential/sdjwt"
)

// A challenge answer replayed within the ±60 s window, to the verifier that
// made the challenge, is refused: one answer per nonce.
func TestChallengeAnswerReplayRefused(t *testing.T) {
	f := newSDFixture(t, -1, -1)
	did := f.verifier.Public().DIDKey()
	ch := &sdjwt.Expect{Aud: did, Nonce: "nonce-0123456789abcdef"}
	answer := []byte(f.present(t, all, did, ch.Nonce, f.now))
	guard := NewAnswers(0)

	v := &Verifier{Trust: f.store, At: f.now, Challenge: ch, Answers: guard}
	if r := v.Verify([]Input{{Name: "first", Data: answer}})[0]; !r.Valid {
		t.Fatalf("first answer: %v %v", r.Reasons, r.Messages)
	}
	// The same KB-JWT 30 s later: still fresh, but already answered.
	v2 := &Verifier{Trust: f.store, At: f.now.Add(30 * time.Second), Challenge: ch, Answers: guard}
	r := v2.Verify([]Input{{Name: "replay", Data: answer}})[0]
	if r.Valid || r.Reasons[0] != ChallengeMismatch {
		t.Fatalf("replay: valid=%v reasons %v", r.Valid, r.Reasons)
	}
	if !strings.Contains(strings.Join(r.Messages, "; "), "already answered") {
		t.Errorf("replay message %q does not say the challenge was already answered", r.Messages)
	}
	// A second, freshly signed answer to the same challenge is refused too.
	again := []byte(f.present(t, all, did, ch.Nonce, f.now.Add(40*time.Second)))
	v3 := &Verifier{Trust: f.store, At: f.now.Add(40 * time.Second), Challenge: ch, Answers: guard}
	if r := v3.Verify([]Input{{Name: "again", Data: again}})[0]; r.Valid || r.Reasons[0] != ChallengeMismatch {
		t.Fatalf("second answer: valid=%v reasons %v", r.Valid, r.Reasons)
	}
	// Another challenge from the same verifier is answered normally.
	ch2 := &sdjwt.Expect{Aud: did, Nonce: "nonce-fedcba9876543210"}
	v4 := &Verifier{Trust: f.store, At: f.now.Add(40 * time.Second), Challenge: ch2, Answers: guard}
	fresh := []byte(f.present(t, all, did, ch2.Nonce, f.now.Add(40*time.Second)))
	if r := v4.Verify([]Input{{Name: "other", Data: fresh}})[0]; !r.Valid {
		t.Fatalf("answer to another challenge: %v %v", r.Reasons, r.Messages)
	}
}

// Without a guard of its own, one Verify call still refuses the same
// answer given twice (the stateless CLI's case).
func TestChallengeAnsweredTwiceInOneCall(t *testing.T) {
	f := newSDFixture(t, -1, -1)
	did := f.verifier.Public().DIDKey()
	ch := &sdjwt.Expect{Aud: did, Nonce: "nonce-0123456789abcdef"}
	answer := []byte(f.present(t, all, did, ch.Nonce, f.now))
	v := &Verifier{Trust: f.store, At: f.now, Challenge: ch}
	rs := v.Verify([]Input{{Name: "a", Data: answer}, {Name: "b", Data: answer}})
	if len(rs) != 2 || !rs[0].Valid || rs[1].Valid || rs[1].Reasons[0] != ChallengeMismatch {
		t.Fatalf("results %+v", rs)
	}
	// A new call is a new guard: the CLI is stateless between runs.
	if r := v.Verify([]Input{{Name: "a", Data: answer}})[0]; !r.Valid {
		t.Fatalf("new call: %v", r.Reasons)
	}
}

// A refused answer (here: a live code) does not use up the challenge.
func TestRefusedAnswerDoesNotUseChallenge(t *testing.T) {
	f := newSDFixture(t, -1, -1)
	did := f.verifier.Public().DIDKey()
	ch := &sdjwt.Expect{Aud: did, Nonce: "nonce-0123456789abcdef"}
	guard := NewAnswers(0)
	v := &Verifier{Trust: f.store, At: f.now, Challenge: ch, Answers: guard}
	wrong := []byte(f.present(t, all, did, "another-nonce-0123456", f.now))
	if r := v.Verify([]Input{{Name: "wrong", Data: wrong}})[0]; r.Valid {
		t.Fatal("wrong nonce accepted")
	}
	if guard.Len() != 0 {
		t.Fatalf("guard holds %d nonces after a refused answer", guard.Len())
	}
	right := []byte(f.present(t, all, did, ch.Nonce, f.now))
	if r := v.Verify([]Input{{Name: "right", Data: right}})[0]; !r.Valid {
		t.Fatalf("right answer after a wrong one: %v", r.Reasons)
	}
}

func TestAnswersExpireAndStayBounded(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	a := NewAnswers(3)
	for i := range 3 {
		if err := a.Use("aud", fmt.Sprint("n", i), t0.Add(time.Minute), t0); err != nil {
			t.Fatal(err)
		}
	}
	var ae *AnsweredError
	if err := a.Use("aud", "n1", t0.Add(time.Minute), t0.Add(time.Second)); !errors.As(err, &ae) || ae.Full {
		t.Fatalf("replay: %v", err)
	}
	// Full of answerable nonces: fail closed, forget none.
	if err := a.Use("aud", "n3", t0.Add(time.Minute), t0.Add(time.Second)); !errors.As(err, &ae) || !ae.Full {
		t.Fatalf("full guard: %v", err)
	}
	if Reason(ae) != ChallengeMismatch {
		t.Fatalf("reason %q", Reason(ae))
	}
	// Past their forget time the nonces are dropped and room is made.
	later := t0.Add(2 * time.Minute)
	if err := a.Use("aud", "n3", later.Add(time.Minute), later); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 1 {
		t.Fatalf("guard holds %d nonces, want 1", a.Len())
	}
	// The same nonce under another verifier's aud is another challenge.
	if err := a.Use("aud2", "n3", later.Add(time.Minute), later); err != nil {
		t.Fatal(err)
	}
}

// Many goroutines answering the same nonce: exactly one wins.
func TestAnswersConcurrentOneWinner(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	a := NewAnswers(0)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a.Use("aud", "same", t0.Add(time.Minute), t0) == nil {
				wins.Add(1)
			}
			a.Use("aud", fmt.Sprint("own", i), t0.Add(time.Minute), t0)
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d answers accepted for one nonce", wins.Load())
	}
	if a.Len() != 65 {
		t.Fatalf("guard holds %d nonces, want 65", a.Len())
	}
}
