//! Request bodies at the edge (issue #25): every body arrives within a
//! deadline or its connection is closed, an address has a bounded number of
//! unfinished bodies, and the bytes of all unfinished bodies together are
//! bounded and given back as soon as a body ends or is abandoned.
//!
//! The deadline follows the bytes: a body must have sent `r` bytes by
//! `grace + r / floor` after its request began (so a small body has the
//! grace, 10 s, and an upload a minimum rate, 16 KB/s), and no gap between
//! two chunks may pass the grace either. The clock runs whether or not a
//! handler is reading: a stalled body wakes its reader with a 408.
//!
//! A request whose body is not read to its end (refused, timed out, or a
//! handler that did not need it) has its connection closed once the answer
//! is sent: the body's receiving end is kept alive inside the answer, so
//! actix closes instead of draining it (a dropped chunked body was drained
//! with no deadline at all).
//!
//! Bytes count against a budget for the whole instance and a share per
//! address, except the first 16 KB of each body: answer saves and sign-ins
//! are never refused because someone else holds the budget.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::error::AppError;
use crate::web::edge::client_ip;

/// The largest body any route takes: a 10 MB bank file in its multipart form.
pub const MAX_BODY: u64 = crate::domain::bank::MAX_FILE_BYTES as u64 + 1024 * 1024;

/// The rules, with their defaults.
#[derive(Debug, Clone, Copy)]
pub struct BodyRules {
    /// Time every body has before the rate floor applies, and the longest
    /// gap allowed between two chunks.
    pub grace: Duration,
    /// Bytes a second a body must keep up after the grace.
    pub floor_bytes_per_second: u64,
    /// Unfinished bodies one address may have at once (None: no cap, for
    /// load rehearsals from one machine with `HOITHI_RATE_LIMITS=off`).
    pub per_address: Option<u32>,
    /// Bytes all unfinished bodies together may hold.
    pub budget: usize,
    /// Bytes the unfinished bodies of one address may hold (None with no
    /// per-address cap): one 10 MB upload and change.
    pub budget_per_address: Option<usize>,
}

/// The first bytes of every body are free of the budgets: answer saves,
/// sign-ins and registrations are a few hundred bytes and always pass.
pub const FREE_BYTES: usize = 16 * 1024;

impl BodyRules {
    pub fn new(rate_limits: bool) -> BodyRules {
        BodyRules {
            grace: Duration::from_secs(10),
            floor_bytes_per_second: 16 * 1024,
            per_address: rate_limits.then_some(32),
            budget: 192 * 1024 * 1024,
            budget_per_address: rate_limits.then_some(16 * 1024 * 1024),
        }
    }

    /// When a body that began at `start` and has sent `received` bytes, the
    /// last of them at `last`, is late.
    pub fn deadline(&self, start: Instant, last: Instant, received: u64) -> Instant {
        let floor = self.floor_bytes_per_second.max(1);
        let by_rate =
            start + self.grace + Duration::from_millis(received.saturating_mul(1000) / floor);
        by_rate.min(last + self.grace)
    }
}

/// What the edge keeps of the bodies in flight on this instance.
pub struct Bodies {
    rules: BodyRules,
    held: AtomicUsize,
    /// Per address: unfinished bodies, and the bytes they hold.
    unfinished: Mutex<HashMap<IpAddr, (u32, usize)>>,
}

impl Bodies {
    pub fn new(rules: BodyRules) -> Bodies {
        Bodies {
            rules,
            held: AtomicUsize::new(0),
            unfinished: Mutex::new(HashMap::new()),
        }
    }

    /// Bytes held by unfinished bodies now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Unfinished bodies now, all addresses together.
    pub fn unfinished(&self) -> u32 {
        self.unfinished
            .lock()
            .map(|m| m.values().map(|(n, _)| n).sum())
            .unwrap_or(0)
    }

    /// A place for one more unfinished body from `ip`, or 429; `counted`
    /// false: no place taken (a small body, bounded otherwise).
    fn admit(
        self: &Arc<Self>,
        ip: Option<IpAddr>,
        state: Arc<AtomicU8>,
        counted: bool,
    ) -> Result<Ticket, AppError> {
        let slot = match (self.rules.per_address, ip) {
            (Some(cap), Some(ip)) if counted => {
                let ip = crate::web::limits::bucket(ip);
                let mut map = self
                    .unfinished
                    .lock()
                    .map_err(|_| AppError::Internal("the body table is poisoned".into()))?;
                let (n, _) = map.entry(ip).or_insert((0, 0));
                if *n >= cap {
                    return Err(AppError::TooManyRequests { retry_after: 5 });
                }
                *n += 1;
                Some(ip)
            }
            _ => None,
        };
        Ok(Ticket {
            bodies: self.clone(),
            slot,
            received: 0,
            held: 0,
            state,
        })
    }
}

const OPEN: u8 = 0;
const DONE: u8 = 1;
const LATE: u8 = 2;
const OVER_BUDGET: u8 = 3;

/// One unfinished body's place and bytes; given back once, at its end or
/// when it is dropped.
struct Ticket {
    bodies: Arc<Bodies>,
    slot: Option<IpAddr>,
    /// Bytes of this body so far.
    received: usize,
    /// Of them, counted against the budgets (all but the free first ones).
    held: usize,
    state: Arc<AtomicU8>,
}

impl Ticket {
    /// Counts `n` more bytes of this body; false past a budget.
    fn hold(&mut self, n: usize) -> bool {
        self.received += n;
        let n = self.received.saturating_sub(FREE_BYTES) - self.held;
        if n == 0 {
            return true;
        }
        let rules = self.bodies.rules;
        let before = self.bodies.held.fetch_add(n, Ordering::Relaxed);
        self.held += n;
        let mut within = before + n <= rules.budget;
        if let (Some(ip), Some(cap)) = (self.slot, rules.budget_per_address) {
            if let Ok(mut map) = self.bodies.unfinished.lock() {
                if let Some((_, bytes)) = map.get_mut(&ip) {
                    *bytes += n;
                    within &= *bytes <= cap;
                }
            }
        }
        within
    }

    fn release(&mut self) {
        if let Some(ip) = self.slot.take() {
            if let Ok(mut map) = self.bodies.unfinished.lock() {
                if let Some((n, bytes)) = map.get_mut(&ip) {
                    *n -= 1;
                    *bytes = bytes.saturating_sub(self.held);
                    if *n == 0 {
                        map.remove(&ip);
                    }
                }
            }
        }
        if self.held > 0 {
            self.bodies.held.fetch_sub(self.held, Ordering::Relaxed);
            self.held = 0;
        }
    }

    fn end(&mut self, state: u8) {
        // The first ending wins: a late body stays late.
        let _ = self
            .state
            .compare_exchange(OPEN, state, Ordering::Relaxed, Ordering::Relaxed);
        self.release();
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.release();
    }
}

/// The request's payload, shared by its reader and the middleware, which
/// keeps it alive until the answer is sent (see the module comment).
type Shared = Rc<RefCell<Payload>>;

/// The request's payload, with the deadline and the accounting.
struct Guarded {
    inner: Shared,
    ticket: Ticket,
    start: Instant,
    last: Instant,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    finished: bool,
}

impl Stream for Guarded {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        let next = {
            let mut inner = this.inner.borrow_mut();
            Pin::new(&mut *inner).poll_next(cx)
        };
        match next {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                this.last = Instant::now();
                if !this.ticket.hold(chunk.len()) {
                    return this.fail(OVER_BUDGET);
                }
                let rules = this.ticket.bodies.rules;
                let deadline = rules.deadline(this.start, this.last, this.received);
                if this.last >= deadline {
                    return this.fail(LATE);
                }
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finished = true;
                this.ticket.release();
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.finished = true;
                this.ticket.end(DONE);
                Poll::Ready(None)
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => this.fail(LATE),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl Guarded {
    fn fail(&mut self, state: u8) -> Poll<Option<Result<web::Bytes, PayloadError>>> {
        self.finished = true;
        self.ticket.end(state);
        let why = if state == LATE {
            "the request body arrived too slowly"
        } else {
            "the server holds too many unfinished request bodies"
        };
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            why,
        )))))
    }
}

/// Does the request say a body follows?
fn has_body(req: &ServiceRequest) -> Result<Option<u64>, AppError> {
    let headers = req.headers();
    if let Some(v) = headers.get(header::CONTENT_LENGTH) {
        let n: u64 = v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| {
                AppError::invalid("Content-Length không hợp lệ.", "Invalid Content-Length.")
            })?;
        return Ok((n > 0).then_some(n));
    }
    // Chunked (or, on HTTP/2, any) body of unknown length.
    Ok(headers.contains_key(header::TRANSFER_ENCODING).then_some(0))
}

/// What the outer middleware needs to know of a request's body.
#[derive(Clone)]
struct BodyWatch {
    payload: Shared,
    state: Arc<AtomicU8>,
}

/// The middleware that guards bodies (see the module comment); its
/// refusals pass back through the security headers and the HTML error
/// pages. [`close_unread`], outside every other middleware, closes the
/// connection of a body that was not read to its end.
pub async fn guard_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(bodies) = req
        .app_data::<web::Data<Arc<Bodies>>>()
        .map(|b| (**b).clone())
    else {
        return next.call(req).await.map(|r| r.map_into_left_body());
    };
    let declared = match has_body(&req) {
        Ok(Some(n)) => Ok(n),
        Ok(None) => return next.call(req).await.map(|r| r.map_into_left_body()),
        Err(e) => Err(e),
    };
    let payload: Shared = Rc::new(RefCell::new(req.take_payload()));
    let state = Arc::new(AtomicU8::new(OPEN));
    req.extensions_mut().insert(BodyWatch {
        payload: payload.clone(),
        state: state.clone(),
    });
    let admitted = declared
        .and_then(|n| {
            if n > MAX_BODY {
                Err(AppError::TooLarge { limit: MAX_BODY })
            } else {
                Ok(n)
            }
        })
        // A body of at most FREE_BYTES declared (an answer save, a sign-in)
        // takes no place: 32 of them held open from a hall's one address
        // would refuse every phone behind it. The connection cap and the
        // deadline bound those; a chunked body (length unknown, 0) or a
        // larger one takes a place.
        .and_then(|n| {
            let counted = n == 0 || n > FREE_BYTES as u64;
            bodies.admit(client_ip(req.request()), state.clone(), counted)
        });
    let ticket = match admitted {
        Ok(t) => t,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    let now = Instant::now();
    let deadline = bodies.rules.deadline(now, now, 0);
    let guarded = Guarded {
        inner: payload,
        ticket,
        start: now,
        last: now,
        received: 0,
        sleep: Box::pin(tokio::time::sleep_until(deadline)),
        finished: false,
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(guarded),
    });
    let res = next.call(req).await?;
    Ok(match state.load(Ordering::Relaxed) {
        LATE => replace(res, AppError::SlowBody),
        OVER_BUDGET => replace(res, AppError::Overloaded { retry_after: 5 }),
        _ => res.map_into_left_body(),
    })
}

fn replace<B>(res: ServiceResponse<B>, e: AppError) -> ServiceResponse<EitherBody<B>> {
    let (req, _) = res.into_parts();
    ServiceResponse::from_err(e, req).map_into_right_body()
}

/// The outermost middleware: the answer to a request whose body was not
/// read to its end says `Connection: close` and holds the body's receiving
/// end until it has been sent, so actix closes the connection rather than
/// drain it. Outside compression, which drops an empty body at once.
pub async fn close_unread(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let watch = res.request().extensions().get::<BodyWatch>().cloned();
    let Some(watch) = watch.filter(|w| w.state.load(Ordering::Relaxed) != DONE) else {
        return Ok(res.map_into_left_body());
    };
    res.response_mut()
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    // Held by the head too: an empty body is gone before the head is sent.
    res.response_mut()
        .extensions_mut()
        .insert(KeepPayload(watch.payload.clone()));
    Ok(res.map_body(|_, body| {
        EitherBody::right(BoxBody::new(Holding {
            body: BoxBody::new(body),
            _payload: watch.payload,
        }))
    }))
}

/// The request's payload, kept alive in a response's extensions.
struct KeepPayload(#[allow(dead_code)] Shared);

/// A response body that keeps the request's payload alive while it is sent.
struct Holding {
    body: BoxBody,
    _payload: Shared,
}

impl MessageBody for Holding {
    type Error = Box<dyn std::error::Error>;

    /// Never `None`: a body of no size would be dropped by `BoxBody::new`
    /// before it is sent, and the payload with it (a 204 is still sent
    /// without a length: actix leaves it out for that status).
    fn size(&self) -> BodySize {
        match self.body.size() {
            BodySize::None => BodySize::Sized(0),
            size => size,
        }
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<web::Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Bodies {
        fn admit_new(self: &Arc<Self>, ip: Option<IpAddr>) -> Result<Ticket, AppError> {
            self.admit(ip, Arc::new(AtomicU8::new(OPEN)), true)
        }
    }

    #[test]
    fn the_deadline_gives_small_bodies_the_grace_and_uploads_a_rate() {
        let rules = BodyRules::new(true);
        let t0 = Instant::now();
        // Nothing yet: the grace.
        assert_eq!(rules.deadline(t0, t0, 0), t0 + Duration::from_secs(10));
        // 1 MB sent within the first second: 10 s + 64 s by the rate, but
        // no more than 10 s after the last chunk.
        let last = t0 + Duration::from_secs(1);
        assert_eq!(
            rules.deadline(t0, last, 1024 * 1024),
            last + Duration::from_secs(10)
        );
        // A steady upload at the floor is never late.
        let steady = t0 + Duration::from_secs(30);
        let sent = 16 * 1024 * 30;
        assert!(rules.deadline(t0, steady, sent) > steady);
        // A drip below the floor is.
        let drip = t0 + Duration::from_secs(60);
        assert!(rules.deadline(t0, drip, 16 * 1024 * 20) < drip);
    }

    #[tokio::test]
    async fn an_address_holds_a_bounded_number_of_places_given_back_on_drop() {
        let mut rules = BodyRules::new(true);
        rules.per_address = Some(2);
        let bodies = Arc::new(Bodies::new(rules));
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let a = bodies.admit_new(Some(ip)).unwrap();
        let _b = bodies.admit_new(Some(ip)).unwrap();
        assert!(matches!(
            bodies.admit_new(Some(ip)),
            Err(AppError::TooManyRequests { .. })
        ));
        assert!(bodies
            .admit_new(Some("203.0.113.10".parse().unwrap()))
            .is_ok());
        drop(a);
        assert!(bodies.admit_new(Some(ip)).is_ok());
    }

    #[tokio::test]
    async fn held_bytes_count_against_the_budget_and_are_given_back() {
        let mut rules = BodyRules::new(true);
        rules.budget = 100;
        let bodies = Arc::new(Bodies::new(rules));
        let mut a = bodies.admit_new(None).unwrap();
        // The first 16 KB of a body are free.
        assert!(a.hold(FREE_BYTES));
        assert_eq!(bodies.held(), 0);
        assert!(a.hold(60));
        let mut b = bodies.admit_new(None).unwrap();
        assert!(!b.hold(FREE_BYTES + 60), "past the budget");
        assert_eq!(bodies.held(), 120);
        b.end(OVER_BUDGET);
        a.end(DONE);
        assert_eq!(bodies.held(), 0);
        assert_eq!(a.state.load(Ordering::Relaxed), DONE);
        assert_eq!(b.state.load(Ordering::Relaxed), OVER_BUDGET);
    }

    #[tokio::test]
    async fn one_address_holds_at_most_its_share_of_the_bytes() {
        let mut rules = BodyRules::new(true);
        rules.budget_per_address = Some(1000);
        let bodies = Arc::new(Bodies::new(rules));
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let mut a = bodies.admit_new(Some(ip)).unwrap();
        assert!(a.hold(FREE_BYTES + 900));
        let mut b = bodies.admit_new(Some(ip)).unwrap();
        assert!(!b.hold(FREE_BYTES + 200), "past the address's share");
        let mut other = bodies
            .admit_new(Some("203.0.113.10".parse().unwrap()))
            .unwrap();
        assert!(other.hold(FREE_BYTES + 900), "another address has its own");
        drop(b);
        drop(a);
        let mut c = bodies.admit_new(Some(ip)).unwrap();
        assert!(c.hold(FREE_BYTES + 900), "given back");
    }
}
