//! How far an import is: a bar with its rate and time left when standard
//! error is a terminal, a plain line every few seconds otherwise (logs, CI).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::Summary;

/// How often a line goes out when standard error is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// How often the bar is redrawn.
const BAR_EVERY: Duration = Duration::from_millis(200);

pub struct Progress {
    /// The file's size: the bar's whole.
    total: u64,
    started: Instant,
    last: Instant,
    tty: bool,
    drawn: bool,
}

impl Progress {
    pub fn new(total: u64) -> Progress {
        let now = Instant::now();
        Progress {
            total,
            started: now,
            last: now,
            tty: std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    pub fn update(&mut self, s: &Summary, bytes: u64) {
        let every = if self.tty { BAR_EVERY } else { PLAIN_EVERY };
        if self.last.elapsed() < every {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = s.read as f64 / secs;
        let done = if self.total > 0 {
            (bytes as f64 / self.total as f64).min(1.0)
        } else {
            0.0
        };
        let eta = if done > 0.0 {
            format!("{:.0} s left", secs * (1.0 - done) / done)
        } else {
            "time left unknown".to_owned()
        };
        let mut err = std::io::stderr().lock();
        if self.tty {
            let width = 30;
            let filled = (done * width as f64) as usize;
            let _ = write!(
                err,
                "\r[{}{}] {:>3.0}% {} rows, {:.0}/s, {eta}   ",
                "#".repeat(filled),
                " ".repeat(width - filled),
                done * 100.0,
                s.read,
                rate
            );
            self.drawn = true;
        } else {
            let _ = writeln!(
                err,
                "import: {:.0}% read {} created {} updated {} skipped {} rejected {} ({:.0} rows/s, {eta})",
                done * 100.0,
                s.read,
                s.created,
                s.updated,
                s.skipped,
                s.rejected,
                rate
            );
        }
        let _ = err.flush();
    }

    /// Ends the bar's line, so the summary starts on its own.
    pub fn done(&mut self) {
        if self.drawn {
            let _ = writeln!(std::io::stderr());
        }
    }
}
