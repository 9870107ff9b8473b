//! The HTML pages' role matrix, like the API's: every page a browser can GET,
//! asked by each kind of visitor, gives exactly its status (303 is the
//! redirect to the sign-in page, or from /admin to the visitor's start page).

use std::collections::BTreeSet;

use crate::access::{world, Role, World, ROLES};
use crate::helpers::{contest_fixture, spawn_with_clock, CONTEST};

/// (page path as registered, expected status for
/// [admin, organizer in scope, organizer out of scope, viewer, share link, participant, anonymous]).
const PAGES: &[(&str, [u16; 7])] = &[
    ("/", [200; 7]),
    ("/login", [200; 7]),
    ("/admin", [303, 303, 303, 303, 303, 303, 303]),
    ("/admin/units", [200, 200, 200, 403, 303, 303, 303]),
    ("/admin/accounts", [200, 200, 200, 403, 303, 303, 303]),
    ("/admin/password", [200, 200, 200, 200, 303, 303, 303]),
    (
        "/admin/units/{code}/activities",
        [200, 200, 403, 403, 303, 303, 303],
    ),
    // Everyone on the staff reads the scheme; only admins may save it.
    (
        "/admin/activity-scheme",
        [200, 200, 200, 200, 303, 303, 303],
    ),
    ("/admin/banks", [200, 200, 200, 403, 303, 303, 303]),
    ("/admin/banks/{bank}", [200, 200, 200, 403, 303, 303, 303]),
    ("/admin/contests", [200, 200, 200, 200, 303, 303, 303]),
    ("/admin/contests/new", [200, 200, 200, 403, 303, 303, 303]),
    // Viewers read results, not the organizers' management pages.
    (
        "/admin/contests/{slug}",
        [200, 200, 403, 403, 303, 303, 303],
    ),
    (
        "/admin/contests/{slug}/edit",
        [200, 200, 403, 403, 303, 303, 303],
    ),
    (
        "/admin/contests/{slug}/results",
        [200, 200, 403, 200, 303, 303, 303],
    ),
    // Documents to print and sign: the exports' readers.
    (
        "/admin/contests/{slug}/rounds/{n}/print/{what}",
        [200, 200, 403, 200, 303, 303, 303],
    ),
    (
        "/admin/contests/{slug}/review",
        [200, 200, 403, 403, 303, 303, 303],
    ),
    (
        "/admin/contests/{slug}/rounds/{n}/prizes",
        [200, 200, 403, 403, 303, 303, 303],
    ),
    (
        "/admin/contests/{slug}/access",
        [200, 200, 403, 403, 303, 303, 303],
    ),
    ("/c/{slug}", [200; 7]),
    ("/c/{slug}/board", [200; 7]),
    ("/c/{slug}/poster", [200; 7]),
    ("/c/{slug}/rules", [200; 7]),
    ("/u/{code}/logo", [200; 7]),
    // Public by its content hash; a name not stored is a 404 for everyone
    // (tests/api/media.rs serves a stored one to anyone).
    ("/media/{name}", [404; 7]),
    ("/c/{slug}/qr.svg", [200; 7]),
    // Not published yet: the page says when it will be (it was a 404).
    ("/c/{slug}/prizes", [200; 7]),
    // A submitted attempt: its paper sends its owner to the result.
    ("/a/{id}", [303; 7]),
    ("/a/{id}/result", [303, 303, 303, 303, 303, 200, 303]),
    ("/s/{token}", [200; 7]),
];

/// Every GET route the pages register (the table and the registrations
/// come from one list).
fn registered_get_pages() -> BTreeSet<String> {
    hoithi::web::pages::ROUTES
        .iter()
        .filter(|(method, _)| *method == "GET")
        .map(|(_, path)| path.to_string())
        .collect()
}

fn fill(path: &str, ids: &World) -> String {
    path.replace("{slug}", CONTEST)
        .replace("{bank}", "dich-vu-cong-truc-tuyen-2023")
        .replace("{n}", "1")
        .replace("{code}", "CD-A1")
        .replace("{what}", "winners")
        .replace("{id}", &ids.attempt)
        .replace("{token}", &ids.link_token)
        .replace("{name}", &format!("{}.png", "0".repeat(64)))
}

#[tokio::test]
async fn every_page_gives_each_visitor_exactly_its_status() {
    let walked: BTreeSet<String> = PAGES
        .iter()
        .map(|(p, _)| p.replace("{bank}", "{slug}"))
        .collect();
    assert_eq!(
        walked,
        registered_get_pages(),
        "the matrix must walk every page a browser can GET"
    );
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let (ids, participant) = world(&app, &admin).await;
    // A submitted attempt: its paper sends its owner to the result.
    crate::helpers::submit(&app, &participant, &ids.attempt, None).await;
    let mut failures = Vec::new();
    for (i, visitor) in ROLES.iter().enumerate() {
        let cookie = match visitor {
            Role::Admin => Some(format!("hoithi_token={admin}")),
            Role::OrgIn => Some(format!("hoithi_token={}", app.login("org-in").await)),
            Role::OrgOut => Some(format!("hoithi_token={}", app.login("org-out").await)),
            Role::Viewer => Some(format!("hoithi_token={}", app.login("ubnd").await)),
            Role::Participant => Some(format!("hoithi_participant={participant}")),
            Role::Link | Role::Anonymous => None,
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for (path, expected) in PAGES {
            let mut req = client.get(app.url(&fill(path, &ids)));
            if let Some(c) = &cookie {
                req = req.header("cookie", c);
            }
            let r = req.send().await.unwrap();
            let got = r.status().as_u16();
            let html = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html") || v.starts_with("image/svg"));
            if got != expected[i] {
                failures.push(format!(
                    "{visitor:?} GET {path}: got {got}, want {}",
                    expected[i]
                ));
            } else if got != 303 && !html {
                failures.push(format!("{visitor:?} GET {path}: {got} is not a page"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
