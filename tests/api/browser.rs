//! The verification pages in a real browser: Debian's headless Chromium loads them, the
//! banner reads right, and a screenshot is taken at phone width (kept in the temp folder
//! as `certbody-verify-phone.png` to look at).

use std::path::{Path, PathBuf};
use std::process::Command;

use certbody::auth::Role;
use serde_json::json;

use crate::verification::{certified, never_issued};

/// Runs Chromium headless on `url` with a fresh profile; its stdout. The flags keep it off
/// the network (this machine's is closed) and away from any user profile.
async fn chromium(url: String, extra: Vec<String>) -> String {
    let profile = std::env::temp_dir().join(format!("certbody-chromium-{}", uuid::Uuid::new_v4()));
    let run_in = profile.clone();
    let output = actix_web::rt::task::spawn_blocking(move || {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", run_in.display()))
            .args(extra)
            .arg(url)
            .output()
    })
    .await
    .unwrap()
    .expect("Debian's chromium: apt-get install chromium (.ci/run installs it)");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        output.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn dom(url: String) -> String {
    chromium(url, vec!["--dump-dom".into()]).await
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("the screenshot");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[actix_rt::test]
async fn the_verification_pages_read_right_in_a_browser_at_phone_width() {
    let (cb, id, number) = certified("Müller Systemhaus GmbH").await;
    let page = format!("{}/verify/{number}", cb.app.address);

    let valid = dom(page.clone()).await;
    assert!(valid.contains("<strong>VALID</strong>"), "{valid}");
    assert!(valid.contains("Müller Systemhaus GmbH"));
    assert!(valid.contains("Report a false claim"));

    let shot: PathBuf = std::env::temp_dir().join("certbody-verify-phone.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        page.clone(),
        vec![
            "--window-size=390,844".into(),
            "--hide-scrollbars".into(),
            format!("--screenshot={}", shot.display()),
        ],
    )
    .await;
    assert_eq!(png_size(&shot), (390, 844));

    let decider = cb
        .app
        .staff(Role::DecisionMaker, "second-decider@cb.example")
        .await;
    let suspended = cb
        .post(
            &decider,
            &format!("/api/v1/certificates/{id}/suspend"),
            json!({"reason": "Surveillance audit refused"}),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    let now = dom(page).await;
    assert!(now.contains("<strong>SUSPENDED</strong>"), "{now}");

    let unknown = dom(format!(
        "{}/verify/{}",
        cb.app.address,
        never_issued(&number)
    ))
    .await;
    assert!(unknown.contains("NOT ISSUED BY US"), "{unknown}");
    let search = dom(format!("{}/verify?q=muller", cb.app.address)).await;
    assert!(search.contains(&format!("/verify/{number}")), "{search}");
}
