//! A small HTTP receiver on loopback for webhook tests: answers every POST with 200 and
//! keeps its headers and body.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

#[derive(Debug, Clone)]
pub struct ReceivedHook {
    /// Header names in lowercase.
    pub headers: HashMap<String, String>,
    pub body: String,
}

pub struct WebhookSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedHook>>>,
    stopping: Arc<AtomicBool>,
    accept_loop: Option<JoinHandle<()>>,
}

impl WebhookSink {
    pub fn start_on(port: u16) -> WebhookSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("webhook sink binds");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let (store, stop) = (received.clone(), stopping.clone());
        let accept_loop = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &store);
                }
            }
        });
        WebhookSink {
            port,
            received,
            stopping,
            accept_loop: Some(accept_loop),
        }
    }

    pub fn received(&self) -> Vec<ReceivedHook> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wake the accept loop
        if let Some(handle) = self.accept_loop.take() {
            let _ = handle.join();
        }
    }
}

fn serve(stream: TcpStream, store: &Mutex<Vec<ReceivedHook>>) {
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut headers = HashMap::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    store.lock().unwrap().push(ReceivedHook {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let _ = writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
}
