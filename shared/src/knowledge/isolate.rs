//! Runs a parser of untrusted files in a child process: forked (no exec, so every binary that
//! reads files can do it, Lambdas, the gateway and test binaries alike), its address space and
//! CPU time bounded by rlimits, and killed at a wall-clock deadline. What a crafted file does to a
//! third-party parser then ends the child, not the function: pdf-extract and lopdf allocate by
//! numbers the file declares (terabytes from a 1 KB file, an abort no `catch_unwind` stops),
//! recurse without bound (a stack overflow, also an abort) and loop for hours (README, "Knowledge
//! base"). Linux only, as Lambda and the local run are.
//!
//! After `fork` in a threaded process the child may only count on what no other thread held at
//! that instant. glibc's malloc is made safe across `fork` by glibc itself; logging and panic
//! output, which take locks, are switched off first in the child. A lock held anyway stalls the
//! child, and the deadline ends it. The child keeps no descriptor but its pipe and the standard
//! ones (a reader forked by another thread meanwhile would otherwise hold this one's pipe open),
//! writes no core file, and dies with the thread that forked it.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nix::fcntl::OFlag;
use nix::sys::prctl::set_pdeathsig;
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe2};

/// What the child may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Address space the child may add to what it inherits.
    pub extra_memory_bytes: u64,
    /// CPU time, and the wall-clock deadline.
    pub time: Duration,
    /// The most output read back; past it the child is killed.
    pub max_output_bytes: usize,
}

/// How a child ended without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsolateError {
    /// Killed at the deadline or by the CPU limit.
    #[error("it took longer than {0:?} to read")]
    TooSlow(Duration),
    /// Aborted: an allocation past the memory limit, or a stack overflow.
    #[error(
        "reading it needed more than {0} MiB of memory, or nested deeper than the stack allows"
    )]
    OutOfMemory(u64),
    /// Its output passed `max_output_bytes`.
    #[error("its text passed {0} bytes")]
    TooMuchOutput(usize),
    /// Any other end: a crash, or the child could not be started.
    #[error("the reader stopped: {0}")]
    Failed(String),
}

/// Runs `work` in a child process within `limits` and returns what it produced. A panic in
/// `work` is a `Failed`.
pub fn run_isolated(
    limits: Limits,
    work: impl FnOnce() -> Vec<u8>,
) -> Result<Vec<u8>, IsolateError> {
    let failed = |what: &str, e: nix::Error| IsolateError::Failed(format!("{what}: {e}"));
    // Close-on-exec, so a program another thread starts meanwhile does not hold the pipe open.
    let (reader, writer) = pipe2(OFlag::O_CLOEXEC).map_err(|e| failed("pipe", e))?;
    // SAFETY: the child runs only `child`, which ends in `_exit` and never returns (see the
    // module's note on what it may rely on).
    match unsafe { fork() }.map_err(|e| failed("fork", e))? {
        ForkResult::Child => {
            drop(reader);
            child(writer, limits, work)
        }
        ForkResult::Parent { child } => {
            drop(writer);
            parent(child, reader, limits)
        }
    }
}

/// The child's exit codes other than 0 (answered) and a signal.
const PANICKED: i32 = 2;
const UNANSWERED: i32 = 3;
const UNCONFINED: i32 = 4;

fn child(writer: OwnedFd, limits: Limits, work: impl FnOnce() -> Vec<u8>) -> ! {
    log::set_max_level(log::LevelFilter::Off);
    std::panic::set_hook(Box::new(|_| {}));
    let code = match confine(&writer, limits) {
        Ok(()) => match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
            Ok(output) => match std::fs::File::from(writer).write_all(&output) {
                Ok(()) => 0,
                Err(_) => UNANSWERED,
            },
            Err(_) => PANICKED,
        },
        Err(_) => UNCONFINED,
    };
    // SAFETY: `_exit` ends the process at once, without the parent's exit handlers or buffers.
    unsafe { nix::libc::_exit(code) }
}

/// The child's limits, set in the child: its address space is measured after the fork, so
/// nothing another thread mapped meanwhile counts against the allowance.
fn confine(writer: &OwnedFd, limits: Limits) -> nix::Result<()> {
    set_pdeathsig(Signal::SIGKILL)?;
    let fd = writer.as_raw_fd() as u32;
    // SAFETY: closes only this process's copies of descriptors it never uses again; the parent's
    // stay open (closing a copy shuts down no socket).
    unsafe {
        if fd > 3 {
            nix::libc::close_range(3, fd - 1, 0);
        }
        nix::libc::close_range(fd + 1, u32::MAX, 0);
    }
    let inherited = current_address_space().map_err(|_| nix::Error::EIO)?;
    let (_, hard) = getrlimit(Resource::RLIMIT_AS)?;
    let address_space = inherited
        .saturating_add(limits.extra_memory_bytes)
        .min(hard);
    setrlimit(Resource::RLIMIT_AS, address_space, address_space)?;
    setrlimit(Resource::RLIMIT_CORE, 0, 0)?;
    let cpu = limits.time.as_secs().max(1);
    setrlimit(Resource::RLIMIT_CPU, cpu, cpu + 1)
}

fn parent(child: Pid, reader: OwnedFd, limits: Limits) -> Result<Vec<u8>, IsolateError> {
    let killed = Arc::new(AtomicBool::new(false));
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = {
        let killed = killed.clone();
        std::thread::Builder::new()
            .name("reader-watchdog".into())
            .spawn(move || {
                if finished.recv_timeout(limits.time).is_err() {
                    killed.store(true, Ordering::SeqCst);
                    let _ = kill(child, Signal::SIGKILL);
                }
            })
    };
    let watchdog = match watchdog {
        Ok(watchdog) => watchdog,
        Err(e) => {
            let _ = kill(child, Signal::SIGKILL);
            let _ = waitpid(child, None);
            return Err(IsolateError::Failed(format!("no watchdog thread: {e}")));
        }
    };
    let mut output = Vec::new();
    let read = std::fs::File::from(reader)
        .take(limits.max_output_bytes as u64 + 1)
        .read_to_end(&mut output);
    let too_much = output.len() > limits.max_output_bytes;
    if too_much {
        let _ = kill(child, Signal::SIGKILL);
    }
    // The watchdog is stopped before the child is reaped: until then its pid cannot be reused,
    // so a late kill can only reach the child.
    let _ = done.send(());
    let _ = watchdog.join();
    let status = waitpid(child, None);
    if too_much {
        return Err(IsolateError::TooMuchOutput(limits.max_output_bytes));
    }
    let out_of_memory = IsolateError::OutOfMemory(limits.extra_memory_bytes >> 20);
    let stopped = |why: &str| Err(IsolateError::Failed(why.into()));
    match status {
        Ok(WaitStatus::Exited(_, 0)) => match read {
            Ok(_) => Ok(output),
            Err(e) => Err(IsolateError::Failed(format!(
                "its answer could not be read: {e}"
            ))),
        },
        Ok(WaitStatus::Exited(_, PANICKED)) => stopped("the reader panicked"),
        Ok(WaitStatus::Exited(_, UNANSWERED)) => stopped("the reader could not send its answer"),
        Ok(WaitStatus::Exited(_, UNCONFINED)) => stopped("the reader's limits could not be set"),
        // The watchdog's kill, or the CPU limit (SIGXCPU ends a process by default).
        Ok(WaitStatus::Signaled(_, Signal::SIGKILL, _)) if killed.load(Ordering::SeqCst) => {
            Err(IsolateError::TooSlow(limits.time))
        }
        Ok(WaitStatus::Signaled(_, Signal::SIGXCPU, _)) => Err(IsolateError::TooSlow(limits.time)),
        // Rust aborts on a failed allocation and on a stack overflow; a SIGKILL nobody here sent
        // is the kernel's out-of-memory killer.
        Ok(WaitStatus::Signaled(_, Signal::SIGABRT | Signal::SIGSEGV | Signal::SIGKILL, _)) => {
            Err(out_of_memory)
        }
        other => {
            tracing::warn!(status = ?other, "a reader process ended unexpectedly");
            stopped("the reader stopped unexpectedly")
        }
    }
}

/// The peak resident memory of the largest child this process has reaped, in KiB (the benchmarks
/// report a reader's memory, which is now its own process's).
pub fn reaped_children_peak_rss_kib() -> Option<i64> {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .ok()
        .map(|usage| usage.max_rss())
}

/// The process's address space in bytes (`VmSize`).
fn current_address_space() -> std::io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(|| std::io::Error::other("no VmSize"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        extra_memory_bytes: 256 << 20,
        time: Duration::from_secs(2),
        max_output_bytes: 1 << 20,
    };

    #[test]
    fn the_childs_output_comes_back() {
        assert_eq!(
            run_isolated(LIMITS, || b"text".to_vec()),
            Ok(b"text".to_vec())
        );
    }

    #[test]
    fn an_allocation_past_the_limit_ends_the_child_not_the_process() {
        let grab = || {
            let mut v = std::hint::black_box(vec![0u8; 1 << 30]);
            v[12345] = 1;
            vec![v[12345]]
        };
        assert_eq!(
            run_isolated(LIMITS, grab),
            Err(IsolateError::OutOfMemory(256))
        );
    }

    #[test]
    fn a_stack_overflow_ends_the_child_not_the_process() {
        #[allow(unconditional_recursion)]
        fn deeper(n: u64) -> u64 {
            std::hint::black_box(deeper(std::hint::black_box(n + 1))) + 1
        }
        assert_eq!(
            run_isolated(LIMITS, || deeper(0).to_le_bytes().to_vec()),
            Err(IsolateError::OutOfMemory(256))
        );
    }

    #[test]
    fn an_endless_loop_is_killed_at_the_deadline() {
        let spin = || loop {
            std::hint::black_box(());
        };
        let started = std::time::Instant::now();
        assert_eq!(
            run_isolated(LIMITS, spin),
            Err(IsolateError::TooSlow(LIMITS.time))
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_stalled_child_is_killed_at_the_deadline() {
        let stall = || {
            std::thread::sleep(Duration::from_secs(600));
            Vec::new()
        };
        assert_eq!(
            run_isolated(LIMITS, stall),
            Err(IsolateError::TooSlow(LIMITS.time))
        );
    }

    #[test]
    fn a_panic_and_too_much_output_are_failures() {
        assert_eq!(
            run_isolated(LIMITS, || panic!("no")),
            Err(IsolateError::Failed("the reader panicked".into()))
        );
        assert_eq!(
            run_isolated(LIMITS, || vec![b'a'; (1 << 20) + 1]),
            Err(IsolateError::TooMuchOutput(1 << 20))
        );
    }
}
