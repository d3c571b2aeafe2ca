//! A small but real SMTP server on loopback for the tests: it speaks the protocol lettre
//! uses (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    /// The message as transmitted, with quoted-printable soft line breaks joined.
    pub data: String,
}

impl ReceivedMail {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_lowercase());
        self.data
            .lines()
            .find(|line| line.to_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    stopping: Arc<AtomicBool>,
    accept_loop: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(0)
    }

    pub fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("SMTP sink binds");
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
                    let store = store.clone();
                    std::thread::spawn(move || serve(stream, &store));
                }
            }
        });
        SmtpSink {
            port,
            received,
            stopping,
            accept_loop: Some(accept_loop),
        }
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wake the accept loop
        if let Some(handle) = self.accept_loop.take() {
            let _ = handle.join();
        }
    }
}

fn serve(stream: TcpStream, store: &Mutex<Vec<ReceivedMail>>) {
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut reply = |text: &str| writer.write_all(format!("{text}\r\n").as_bytes());
    if reply("220 sink ESMTP ready").is_err() {
        return;
    }
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_uppercase();
        let answer = if command.starts_with("EHLO") || command.starts_with("HELO") {
            "250 sink"
        } else if command.starts_with("MAIL FROM:") {
            recipients.clear();
            "250 OK"
        } else if command.starts_with("RCPT TO:") {
            recipients.push(
                line.trim_end()[8..]
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_owned(),
            );
            "250 OK"
        } else if command == "DATA" {
            if reply("354 end with <CRLF>.<CRLF>").is_err() {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            let data = data.replace("=\r\n", "");
            store.lock().unwrap().push(ReceivedMail {
                recipients: std::mem::take(&mut recipients),
                data,
            });
            "250 OK queued"
        } else if command == "QUIT" {
            let _ = reply("221 bye");
            return;
        } else if command == "RSET" || command == "NOOP" {
            "250 OK"
        } else {
            "502 command not implemented"
        };
        if reply(answer).is_err() {
            return;
        }
    }
}
