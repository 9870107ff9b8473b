//! Connections per client address, counted where they are accepted.
//!
//! Every other limit runs once a request has been read, but by then actix
//! holds what the client already sent on each connection (about 100 KB at
//! 250 KB sent): thousands of connections from one address that each send
//! part of a body cost hundreds of MB before any middleware can refuse them.
//! Here a connection is counted before a byte of it is read, and one past
//! the address's share gets a short 429 and is shut at once.
//!
//! Counted with the per-address limits only (`HOITHI_RATE_LIMITS`), by the
//! peer the socket sees (IPv6 per /64, as `limits::bucket`), and never for a
//! trusted proxy: behind one, every client is the proxy's address, and the
//! proxy caps connections per client (`deploy/nginx.conf`'s `limit_conn`).

use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::dev::Extensions;
use ipnet::IpNet;

use crate::web::limits::bucket;

/// What a refused connection is told before it is shut.
fn refusal() -> &'static [u8] {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let body = serde_json::json!({
            "code": "too_many_connections",
            "message": "Quá nhiều kết nối từ một địa chỉ, xin thử lại sau ít giây / \
                        Too many connections from one address, try again in a few seconds",
        })
        .to_string();
        format!(
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\
             Retry-After: 5\r\nConnection: close\r\nCache-Control: no-store\r\n\
             X-Content-Type-Options: nosniff\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    })
    .as_bytes()
}

/// Open connections per address, shared by the workers.
pub struct Connections {
    per_address: u32,
    enabled: bool,
    trusted: Vec<IpNet>,
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One admitted connection's place; given back when the connection ends
/// (it lives in the connection's extensions, dropped with it).
pub struct Place {
    owner: Arc<Connections>,
    key: IpAddr,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.owner.lock();
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl Connections {
    pub fn new(per_address: u32, enabled: bool, trusted: Vec<IpNet>) -> Arc<Connections> {
        Arc::new(Connections {
            per_address,
            enabled,
            trusted,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, u32>> {
        // A panic while counting leaves counts that are still counts.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a place for a connection from `peer`: None when it is not
    /// counted (limits off, a trusted proxy), `Err(Full)` past the share.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Option<Place>, Full> {
        if !self.enabled || self.trusted.iter().any(|net| net.contains(&peer)) {
            return Ok(None);
        }
        let key = bucket(peer);
        let mut open = self.lock();
        let n = open.entry(key).or_insert(0);
        if *n >= self.per_address {
            return Err(Full);
        }
        *n += 1;
        Ok(Some(Place {
            owner: Arc::clone(self),
            key,
        }))
    }

    /// Addresses holding connections now (for tests and logs).
    pub fn addresses(&self) -> usize {
        self.lock().len()
    }

    /// actix's `on_connect` hook: runs when a connection is accepted, before
    /// anything is read from it.
    pub fn on_connect(self: &Arc<Self>, io: &dyn Any, ext: &mut Extensions) {
        let Some(stream) = io.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        match self.admit(peer.ip()) {
            Ok(Some(place)) => {
                ext.insert(place);
            }
            Ok(None) => {}
            Err(Full) => refuse(stream),
        }
    }
}

/// Writes the short refusal if the socket takes it at once, then shuts the
/// connection both ways: the dispatcher reads an end of stream and drops it
/// without buffering anything the client sent.
fn refuse(stream: &actix_web::rt::net::TcpStream) {
    // Straight to the socket: tokio's own `try_write` waits for a readiness
    // event the reactor has not seen yet on a connection just accepted.
    let socket = socket2::SockRef::from(stream);
    let _ = socket.send(refusal());
    let _ = socket.shutdown(std::net::Shutdown::Both);
    tracing::debug!("connection refused: too many from one address");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_gets_its_share_and_places_come_back() {
        let c = Connections::new(2, true, vec![]);
        let a = c.admit(ip("203.0.113.7")).unwrap();
        let b = c.admit(ip("203.0.113.7")).unwrap();
        assert!(a.is_some() && b.is_some());
        assert_eq!(c.admit(ip("203.0.113.7")).err(), Some(Full));
        // Another address is not affected.
        assert!(c.admit(ip("203.0.113.8")).unwrap().is_some());
        drop(a);
        assert!(c.admit(ip("203.0.113.7")).unwrap().is_some());
    }

    #[test]
    fn forgotten_addresses_leave_no_entry() {
        let c = Connections::new(2, true, vec![]);
        let a = c.admit(ip("203.0.113.7")).unwrap();
        assert_eq!(c.addresses(), 1);
        drop(a);
        assert_eq!(c.addresses(), 0);
    }

    #[test]
    fn ipv6_counts_per_64_and_proxies_and_rehearsals_are_not_counted() {
        let c = Connections::new(1, true, vec!["10.0.0.0/8".parse().unwrap()]);
        let _a = c.admit(ip("2001:db8:1:2::1")).unwrap();
        assert_eq!(c.admit(ip("2001:db8:1:2::ffff")).err(), Some(Full));
        assert!(c.admit(ip("2001:db8:1:3::1")).unwrap().is_some());
        for _ in 0..5 {
            assert!(c.admit(ip("10.1.2.3")).unwrap().is_none());
        }
        let off = Connections::new(1, false, vec![]);
        for _ in 0..5 {
            assert!(off.admit(ip("203.0.113.7")).unwrap().is_none());
        }
    }

    #[test]
    fn the_refusal_is_a_whole_http_answer() {
        let text = std::str::from_utf8(refusal()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(body.len(), length);
        assert!(body.contains("Quá nhiều kết nối"));
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }
}
