//! Resource bounds of the server under concurrent load, over loopback: the threads that
//! serve requests stay within [`lodestone_server::MAX_BLOCKING_THREADS`] however many
//! requests wait. Alone in its test binary, so the threads counted are this server's.

use lodestone_server::{Config, MAX_BLOCKING_THREADS};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Threads of this process named like the server's request threads.
#[cfg(target_os = "linux")]
fn http_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.starts_with("lodestone-http"))
                .count()
        })
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn request_threads_are_capped_under_many_waiting_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::new(dir.path());
    c.request_timeout = Duration::from_secs(120);
    let s = lodestone_server::spawn("127.0.0.1:0".parse().unwrap(), &c).unwrap();
    let addr = s.addr();
    // The first news request opens the news store (index, dictionary) while holding its
    // lock; the others wait for the lock, each on a request thread: 64 at once would need
    // 64 threads without the cap.
    let most = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (most, done) = (most.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                most.fetch_max(http_threads(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let clients: Vec<_> = (0..64)
        .map(|_| {
            std::thread::spawn(move || {
                let mut sock = TcpStream::connect(addr).unwrap();
                sock.set_read_timeout(Some(Duration::from_secs(120)))
                    .unwrap();
                let req =
                    format!("GET /api/news HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
                sock.write_all(req.as_bytes()).unwrap();
                let mut buf = Vec::new();
                let _ = sock.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        })
        .collect();
    for c in clients {
        let resp = c.join().unwrap();
        assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    }
    most.fetch_max(http_threads(), Ordering::SeqCst);
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    let most = most.load(Ordering::SeqCst);
    // 2 async workers + the capped blocking threads
    assert!(
        most <= 2 + MAX_BLOCKING_THREADS,
        "{most} request threads for 64 waiting requests"
    );
    assert!(most > 2, "no request thread was seen ({most})");
    s.stop().unwrap();
}
