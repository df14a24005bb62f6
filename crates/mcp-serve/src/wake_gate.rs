//! Polling a future so that it cannot wake the task polling it.
//!
//! Inside one request, parts of the same task talk through channels: the
//! HTTP client's connection hands the response to the request's future, a
//! finished handler drops its end of the stream its response listens on.
//! Each such hand-off wakes whoever polled the other end last, which is
//! this very task, still running. tokio requeues a task woken while it runs
//! and its multi-threaded scheduler then wakes an idle worker to share the
//! work: a futex call and a thread switch, for nothing.
//!
//! [`WakeGate::poll`] lends the future a waker of its own. While the future
//! is polled, a wake is only noted and the future is polled again at once;
//! between polls a wake passes to the task; once the future is ready, wakes
//! go nowhere (whoever polls its parts next lends them a waker of its own).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures::task::AtomicWaker;

/// Wakes pass to the task.
const OPEN: u8 = 0;
/// Being polled: wakes are noted.
const SHUT: u8 = 1;
/// Being polled, and woken meanwhile.
const MISSED: u8 = 2;
/// The future is ready: wakes go nowhere.
const DONE: u8 = 3;

/// Rounds one poll makes before it lets other tasks run. A request's
/// hand-offs take two or three; a future that keeps waking itself (hyper
/// yields that way after 16 reads in a row, tokio's budget too) must not
/// hold the thread much longer than it meant to.
const MAX_ROUNDS: usize = 4;

/// A waker held back while the future it is lent to is polled. Futures
/// may take turns with one gate: once one is ready, wakes go nowhere until
/// the next is polled.
pub(crate) struct WakeGate {
    inner: Arc<Inner>,
    /// The waker lent to the future.
    waker: Waker,
}

/// What the lent waker holds.
struct Inner {
    task: AtomicWaker,
    state: AtomicU8,
}

impl Wake for Inner {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Noted while shut, in one atomic step, so the poll that reopens
        // the gate sees it; passed on while open; dropped once done.
        if let Err(OPEN) = self
            .state
            .compare_exchange(SHUT, MISSED, Ordering::AcqRel, Ordering::Acquire)
        {
            self.task.wake();
        }
    }
}

impl WakeGate {
    /// A gate, open until a future is polled through it.
    pub(crate) fn new() -> WakeGate {
        let inner = Arc::new(Inner {
            task: AtomicWaker::new(),
            state: AtomicU8::new(OPEN),
        });
        WakeGate {
            waker: Waker::from(Arc::clone(&inner)),
            inner,
        }
    }

    /// Polls `f` with the gate's waker; `cx`'s task is woken for what
    /// happens between polls.
    pub(crate) fn poll<T>(
        &self,
        cx: &mut Context<'_>,
        mut f: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        let inner = &self.inner;
        inner.task.register(cx.waker());
        let mut gated = Context::from_waker(&self.waker);
        for _ in 0..MAX_ROUNDS {
            inner.state.store(SHUT, Ordering::Release);
            if let Poll::Ready(out) = f(&mut gated) {
                inner.state.store(DONE, Ordering::Release);
                return Poll::Ready(out);
            }
            if inner.state.swap(OPEN, Ordering::AcqRel) != MISSED {
                return Poll::Pending;
            }
        }
        // Still woken after all those rounds: run again after the others.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (Arc::clone(&count), Waker::from(count))
    }

    #[test]
    fn a_wake_during_the_poll_polls_again_instead_of_waking_the_task() {
        let (count, task) = counting();
        let gate = WakeGate::new();
        let mut polls = 0;
        let out = gate.poll(&mut Context::from_waker(&task), |cx| {
            polls += 1;
            if polls < 3 {
                // A hand-off inside the future: it wakes itself.
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(polls)
            }
        });
        assert_eq!(out, Poll::Ready(3));
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "the task was not woken");
    }

    #[test]
    fn a_wake_between_polls_reaches_the_task() {
        let (count, task) = counting();
        let gate = WakeGate::new();
        let mut lent = None;
        let out: Poll<()> = gate.poll(&mut Context::from_waker(&task), |cx| {
            lent = Some(cx.waker().clone());
            Poll::Pending
        });
        assert!(out.is_pending());
        lent.expect("polled").wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn wakes_after_the_future_is_ready_go_nowhere() {
        let (count, task) = counting();
        let gate = WakeGate::new();
        let mut lent = None;
        let out = gate.poll(&mut Context::from_waker(&task), |cx| {
            lent = Some(cx.waker().clone());
            Poll::Ready(())
        });
        assert!(out.is_ready());
        lent.expect("polled").wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_future_that_keeps_waking_itself_yields_to_other_tasks() {
        let (count, task) = counting();
        let gate = WakeGate::new();
        let mut polls = 0;
        let out: Poll<()> = gate.poll(&mut Context::from_waker(&task), |cx| {
            polls += 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        assert!(out.is_pending());
        assert_eq!(polls, MAX_ROUNDS);
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "woken once, to run again later"
        );
    }

    #[test]
    fn a_wake_from_another_thread_is_never_lost() {
        // Whatever the interleaving, a wake sent while the future is
        // pending either polls it again or reaches the task.
        for _ in 0..2_000 {
            let (count, task) = counting();
            let gate = WakeGate::new();
            let (tx, rx) = std::sync::mpsc::channel::<Waker>();
            let waker_thread = std::thread::spawn(move || rx.recv().expect("a waker").wake());
            let mut sent = false;
            let mut polls = 0;
            let out: Poll<()> = gate.poll(&mut Context::from_waker(&task), |cx| {
                polls += 1;
                if !sent {
                    sent = true;
                    tx.send(cx.waker().clone()).expect("thread alive");
                }
                Poll::Pending
            });
            assert!(out.is_pending());
            waker_thread.join().expect("woke");
            assert!(
                polls == 2 || count.0.load(Ordering::SeqCst) == 1,
                "polls {polls}, task wakes {}",
                count.0.load(Ordering::SeqCst)
            );
        }
    }
}
