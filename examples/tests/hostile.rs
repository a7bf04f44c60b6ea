//! The attacks of issue 15 on the example tools, run for real: SQLite files, a folder of files
//! and HTTP servers on 127.0.0.1. Each test names the row of the issue's table it reproduces.

use std::os::unix::net::UnixListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use examples::Demo;
use examples::fixtures::LocalServer;
use examples::tools::{
    Database, FilesRoot, HttpClient, fetch::MAX_REDIRECTS, fetch_url, parse_csv_summary, query_db,
    read_file,
};
use serde_json::json;
use tool_runtime::{BatchOptions, CallContext, CancellationToken, ToolCall};

fn failure(result: Result<impl std::fmt::Debug, impl std::fmt::Display>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.to_string(),
    }
}

fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cities.sqlite");
    examples::fixtures::database::create(&path).unwrap();
    let db = Database::open_read_only(&path).unwrap();
    (dir, db)
}

const BOMB: &str =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";

/// DB-1: four recursive-CTE bombs stop at their deadline (their threads return), then
/// `SELECT 1` answers.
#[test]
fn query_db_bombs_stop_at_the_deadline_and_the_database_answers_after() {
    let (_dir, db) = database();
    let bombs: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || {
                let cx = CallContext::new()
                    .with_deadline(tokio::time::Instant::now() + Duration::from_millis(300));
                failure(query_db(BOMB.into(), None, &db, &cx))
            })
        })
        .collect();
    for bomb in bombs {
        assert_eq!(
            bomb.join().unwrap(),
            "the query was stopped: it ran out of time; make it cheaper (a WHERE, a LIMIT, no unbounded recursion)"
        );
    }
    let one = query_db("SELECT 1 AS one".into(), None, &db, &CallContext::new()).unwrap();
    assert_eq!(one.rows[0]["one"], json!(1));
}

/// DB-1 through the runtime: four bombs in a batch with a deadline are stopped, and the next
/// call of the same toolbox answers.
#[tokio::test]
async fn query_db_answers_after_four_bombs_through_the_toolbox() {
    let demo = Demo::start().await.unwrap();
    let bombs =
        (0..4).map(|i| ToolCall::new(format!("bomb_{i}"), "query_db", json!({"sql": BOMB})));
    let options = BatchOptions::new().deadline(Duration::from_millis(300));
    for result in demo.toolbox.call_all_with(bombs, options).await {
        assert!(result.output.is_error(), "{}", result.output.text());
    }
    let one = demo
        .toolbox
        .call("query_db", json!({"sql": "SELECT 1 AS one"}))
        .await;
    assert_eq!(
        one.text(),
        r#"{"columns":["one"],"rows":[{"one":1}],"truncated":false}"#
    );
}

/// DB-1 at the tool's own 5 s timeout: SQLite stops the bombs just before the toolbox would,
/// so the model reads the tool's advice rather than a bare "timed out".
#[tokio::test]
async fn query_db_bombs_at_the_tools_timeout_get_the_tools_advice() {
    let demo = Demo::start().await.unwrap();
    let bombs =
        (0..4).map(|i| ToolCall::new(format!("bomb_{i}"), "query_db", json!({"sql": BOMB})));
    for result in demo.toolbox.call_all(bombs).await {
        assert_eq!(
            result.output.text(),
            "query_db failed: the query was stopped: it ran out of time; make it cheaper (a \
             WHERE, a LIMIT, no unbounded recursion)"
        );
    }
}

/// DB-1: cancelling the call (what the runtime does at its timeout) stops SQLite too.
#[test]
fn query_db_stops_when_the_call_is_cancelled() {
    let (_dir, db) = database();
    let token = CancellationToken::new();
    let cx = CallContext::new().with_cancellation(token.clone());
    let bomb = std::thread::spawn(move || failure(query_db(BOMB.into(), None, &db, &cx)));
    std::thread::sleep(Duration::from_millis(100));
    token.cancel();
    assert!(bomb.join().unwrap().starts_with("the query was stopped"));
}

/// DB-2: the row limit holds whatever the SQL text does (no wrapper to close with `) --`).
#[test]
fn query_db_row_limit_holds_while_streaming() {
    let (_dir, db) = database();
    let cx = CallContext::new();
    let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) \
                   SELECT x, zeroblob(20000) AS b FROM c";
    let result = query_db(endless.into(), Some(1), &db, &cx).unwrap();
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        json!({"columns": ["x", "b"], "rows": [{"x": 1, "b": "<20000 bytes of binary data>"}], "truncated": true})
    );
    // The issue's text, written to close the old wrapper: now simply unbalanced SQL.
    let escape = format!("{endless}) --");
    assert!(
        failure(query_db(escape, Some(1), &db, &cx))
            .starts_with("the database refused the query: ")
    );
}

/// DB-2: a result over the byte budget is cut with a marker; a value over SQLite's length
/// limit is refused by SQLite before it is built.
#[test]
fn query_db_byte_budget_cuts_big_results() {
    let (_dir, db) = database();
    let cx = CallContext::new();
    let hundred_mb = "SELECT replace(hex(zeroblob(52428800)),'0','a') AS t";
    assert_eq!(
        failure(query_db(hundred_mb.into(), None, &db, &cx)),
        "the database refused the query: string or blob too big"
    );
    let big_cell = query_db(
        "SELECT replace(hex(zeroblob(400000)),'0','a') AS t".into(),
        None,
        &db,
        &cx,
    )
    .unwrap();
    let text = big_cell.rows[0]["t"].as_str().unwrap();
    assert!(
        text.ends_with(" more bytes]"),
        "{}",
        &text[text.len() - 40..]
    );
    assert!(
        big_cell
            .note
            .as_deref()
            .unwrap()
            .starts_with("[cut: the result reached 65536 bytes")
    );
    let many_rows = query_db(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 1000) \
         SELECT x, printf('%.500c', 'a') AS pad FROM c"
            .into(),
        Some(1000),
        &db,
        &cx,
    )
    .unwrap();
    assert!(many_rows.truncated && many_rows.note.is_some());
    assert!(many_rows.rows.len() < 200, "{}", many_rows.rows.len());
    for result in [big_cell, many_rows] {
        let size = serde_json::to_string(&result).unwrap().len();
        assert!(size < 70_000, "{size} bytes");
    }
}

/// DB-2: the byte budget counts the JSON the result becomes, escapes included: results of
/// characters JSON escapes (a control character takes six bytes, a quote two) are cut by the
/// tool, with its note, before the toolbox's 100,000-character cap would refuse them.
#[tokio::test]
async fn query_db_byte_budget_counts_the_escaped_json() {
    let demo = Demo::start().await.unwrap();
    for sql in [
        "SELECT printf('%.*c', 60000, char(1)) AS t",
        "SELECT printf('%.*c', 60000, '\"') AS t",
        "SELECT printf('%.*c', 60000, char(10)) AS t, printf('%.*c', 60000, char(27)) AS u",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 1000) \
         SELECT x, printf('%.*c', 60, char(1)) AS t FROM c",
    ] {
        let output = demo
            .toolbox
            .call("query_db", json!({"sql": sql, "max_rows": 1000}))
            .await;
        let text = output.text();
        assert!(
            !output.is_error(),
            "{sql}: {}",
            &text[..200.min(text.len())]
        );
        assert!(text.len() <= 65_536 + 200, "{sql}: {} bytes", text.len());
        let result: serde_json::Value = serde_json::from_str(text).unwrap();
        // The rows stop early when there are many; a single row's text is cut in place.
        let rows = result["rows"].as_array().unwrap().len();
        assert_eq!(result["truncated"], rows > 1, "{sql}: {rows} rows");
        assert!(
            result["note"]
                .as_str()
                .unwrap()
                .starts_with("[cut: the result reached 65536 bytes of JSON"),
            "{sql}"
        );
    }
}

/// DB-2: when even one row of the columns asked for would be over the budget, the query is
/// refused with what to change.
#[test]
fn query_db_refuses_a_row_too_wide_for_the_budget() {
    let (_dir, db) = database();
    let columns: Vec<String> = (0..2000).map(|i| format!("{i} AS c{i}")).collect();
    let wide = format!("SELECT {}", columns.join(", "));
    let long_name = format!("SELECT 1 AS \"{}\"", "\u{1}".repeat(20_000));
    for sql in [wide, long_name] {
        assert_eq!(
            failure(query_db(sql, None, &db, &CallContext::new())),
            "a row of these columns would take more than 65536 bytes; select fewer columns, and \
             name long expressions with AS"
        );
    }
}

/// DB-2: SQL is read by SQLite's parser: a `;` in a literal is not a second statement.
#[test]
fn query_db_reads_semicolons_in_literals() {
    let (_dir, db) = database();
    let result = query_db(
        "SELECT ';' AS a, 'x; DROP TABLE cities' AS b;".into(),
        None,
        &db,
        &CallContext::new(),
    )
    .unwrap();
    assert_eq!(result.rows[0]["a"], json!(";"));
    assert_eq!(result.rows[0]["b"], json!("x; DROP TABLE cities"));
}

/// What held before still holds, and INFO: the database's path is not revealed.
#[test]
fn query_db_refuses_what_is_not_a_read_and_hides_the_path() {
    let (dir, db) = database();
    let cx = CallContext::new();
    let written = dir.path().join("copy.sqlite");
    let refused = |what: &str| {
        format!(
            "only reads are allowed: send one SELECT (or WITH ... SELECT) statement; this one would {what}"
        )
    };
    for (sql, expected) in [
        (
            format!("ATTACH DATABASE '{}' AS other", written.display()),
            refused("ATTACH a database"),
        ),
        ("PRAGMA database_list".to_owned(), refused("run a PRAGMA")),
        (
            "SELECT file FROM pragma_database_list".to_owned(),
            refused("read PRAGMA values"),
        ),
        (
            "SELECT * FROM pragma_table_info('cities')".to_owned(),
            refused("read PRAGMA values"),
        ),
        (
            format!("VACUUM INTO '{}'", written.display()),
            refused("change the database or write a file"),
        ),
        (
            "SELECT load_extension('/tmp/x.so')".to_owned(),
            refused("load an extension"),
        ),
        (
            "WITH x AS (SELECT 1) DELETE FROM cities".to_owned(),
            refused("delete rows"),
        ),
        (
            "INSERT INTO cities VALUES ('a', 'b', 1, 1)".to_owned(),
            refused("insert rows"),
        ),
        (
            "SELECT 1; SELECT 2".to_owned(),
            "send one statement at a time; this SQL holds several".to_owned(),
        ),
    ] {
        let text = failure(query_db(sql.clone(), None, &db, &cx));
        assert_eq!(text, expected, "{sql}");
    }
    assert!(!written.exists(), "VACUUM INTO wrote nothing");
    let place = dir.path().to_str().unwrap();
    for sql in [
        "SELECT * FROM nowhere",
        "SELECT sqlite_source_id(), sqlite_version()",
        "SELECT name, sql FROM sqlite_schema",
    ] {
        let text = match query_db(sql.into(), None, &db, &cx) {
            Ok(result) => serde_json::to_string(&result).unwrap(),
            Err(error) => error.to_string(),
        };
        assert!(!text.contains(place), "{sql}: {text}");
    }
}

/// FETCH-1: loopback, private, link-local and unspecified addresses are refused in every
/// spelling, a live server listening there notwithstanding.
#[tokio::test]
async fn fetch_url_refuses_local_addresses_in_every_spelling() {
    let server = LocalServer::start().await.unwrap();
    let port = server.addr().port();
    let http = HttpClient::new().unwrap();
    let cx = CallContext::new();
    for url in [
        format!("http://127.0.0.1:{port}/hello"),
        format!("http://localhost:{port}/hello"),
        format!("http://LocalHost:{port}/hello"),
        format!("http://127.1:{port}/hello"),
        format!("http://2130706433:{port}/hello"),
        format!("http://0x7f000001:{port}/hello"),
        format!("http://0177.0.0.1:{port}/hello"),
        format!("http://[::1]:{port}/hello"),
        format!("http://[::ffff:127.0.0.1]:{port}/hello"),
        format!("http://[::ffff:7f00:1]:{port}/hello"),
        format!("http://0.0.0.0:{port}/hello"),
        format!("http://[::]:{port}/hello"),
        format!("http://user:pass@127.0.0.1:{port}/hello"),
        format!("http://example.com@127.0.0.1:{port}/hello"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://[fd00::1]/".to_owned(),
    ] {
        let text = failure(fetch_url(url.clone(), None, &http, &cx).await);
        assert!(
            text.ends_with(
                "may not be fetched: it leads to a local or private address; fetch public web pages only"
            ),
            "{url}: {text}"
        );
    }
}

/// FETCH-1: every redirect hop is checked, by address and by name, also from an allowed host.
#[tokio::test]
async fn fetch_url_checks_every_redirect_hop() {
    let allowed = LocalServer::start().await.unwrap();
    let other = LocalServer::start().await.unwrap();
    let http = HttpClient::allowing([allowed.addr()]).unwrap();
    let cx = CallContext::new();
    let port = allowed.addr().port();
    assert_eq!(
        fetch_url(allowed.url("/redirect?to=/hello"), None, &http, &cx)
            .await
            .unwrap(),
        "Hello from the local server!",
        "a redirect within the allowed server is followed"
    );
    for target in [
        other.url("/hello"),
        format!("http://localhost:{port}/hello"),
        format!("http://[::ffff:127.0.0.1]:{port}/hello"),
    ] {
        let url = allowed.url(&format!("/redirect?to={target}"));
        let text = failure(fetch_url(url.clone(), None, &http, &cx).await);
        assert_eq!(
            text,
            format!(
                "{url} may not be fetched: it leads to a local or private address; fetch public web pages only"
            )
        );
    }
    let mut endless = allowed.url("/hello");
    for _ in 0..=MAX_REDIRECTS {
        endless = allowed.url(&format!("/redirect?to={endless}"));
    }
    assert_eq!(
        failure(fetch_url(endless.clone(), None, &http, &cx).await),
        format!("could not fetch {endless}: it redirects more than {MAX_REDIRECTS} times")
    );
}

/// LOG-1: whatever the URL holds, the error text has no raw control characters.
#[tokio::test]
async fn fetch_url_errors_escape_control_characters() {
    let server = LocalServer::start().await.unwrap();
    let http = HttpClient::allowing([server.addr()]).unwrap();
    let cx = CallContext::new();
    for url in [
        "http://exa\u{1}mple.com/".to_owned(),
        "not a url\nINFO forged log line".to_owned(),
        "gopher://x/\u{1b}[31m".to_owned(),
        "http://127.0.0.2/\r\nX-Forged: 1".to_owned(),
        server.url("/missing\n\u{7}"),
        "x".repeat(5_000),
    ] {
        let text = failure(fetch_url(url.clone(), None, &http, &cx).await);
        assert!(!text.contains(char::is_control), "{url:?}: {text:?}");
        assert!(text.len() < 600, "{url:?}: {} bytes", text.len());
    }
}

fn folder() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    examples::fixtures::files::create(&root).unwrap();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    std::fs::write(dir.path().join("outside/f.txt"), "SECRET").unwrap();
    (dir, root)
}

/// FILE-1: a writer swaps a folder for a symlink to outside while 20,000 reads run: none
/// returns the outside file.
#[test]
fn read_file_never_leaves_the_folder_while_a_writer_swaps_symlinks() {
    let (dir, root_path) = folder();
    let root = FilesRoot::new(&root_path).unwrap();
    std::fs::create_dir(root_path.join("real")).unwrap();
    std::fs::write(root_path.join("real/f.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), root_path.join("link")).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let root = root_path.clone();
        std::thread::spawn(move || {
            let (d, real, link) = (root.join("d"), root.join("real"), root.join("link"));
            while !stop.load(Ordering::Relaxed) {
                std::fs::rename(&real, &d).unwrap();
                std::fs::rename(&d, &real).unwrap();
                std::fs::rename(&link, &d).unwrap();
                std::fs::rename(&d, &link).unwrap();
            }
        })
    };
    let mut inside = 0;
    for _ in 0..20_000 {
        match read_file("d/f.txt".into(), None, &root) {
            Ok(text) => {
                assert_eq!(text, "inside");
                inside += 1;
            }
            Err(error) => {
                let text = error.to_string();
                assert!(
                    text.contains("symbolic link") || text.starts_with("there is no file"),
                    "{text}"
                );
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    println!("{inside} of 20000 reads found the folder in place");
}

/// FILE-2: a hard link to a file outside is refused, unless hard links are allowed.
#[test]
fn read_file_refuses_hard_links() {
    let (dir, root_path) = folder();
    std::fs::hard_link(dir.path().join("outside/f.txt"), root_path.join("h.txt")).unwrap();
    let root = FilesRoot::new(&root_path).unwrap();
    assert_eq!(
        failure(read_file("h.txt".into(), None, &root)),
        "\"h.txt\" has other hard links, which may lead outside the folder; it is not read"
    );
    let trusting = FilesRoot::new(&root_path).unwrap().allow_hard_links();
    assert_eq!(
        read_file("h.txt".into(), None, &trusting).unwrap(),
        "SECRET"
    );
}

/// FILE-3: FIFOs, sockets and devices are refused without being opened for reading, so no
/// call blocks (512 calls on a FIFO nobody writes return at once).
#[test]
fn read_file_refuses_fifos_sockets_and_devices() {
    let (_dir, root_path) = folder();
    let dir = rustix::fs::open(
        &root_path,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let mode = rustix::fs::Mode::from_raw_mode(0o644);
    rustix::fs::mknodat(&dir, "fifo", rustix::fs::FileType::Fifo, mode, 0).unwrap();
    let _socket = UnixListener::bind(root_path.join("socket")).unwrap();
    // /dev/zero's numbers; making a device needs privileges the test may not have.
    let device = rustix::fs::mknodat(
        &dir,
        "zero",
        rustix::fs::FileType::CharacterDevice,
        mode,
        rustix::fs::makedev(1, 5),
    )
    .is_ok();
    let root = FilesRoot::new(&root_path).unwrap();
    let mut names = vec!["socket"];
    if device {
        names.push("zero");
    } else {
        println!("no device made (not privileged): only the FIFO and the socket are tried");
    }
    names.extend(std::iter::repeat_n("fifo", 512));
    for name in names {
        assert_eq!(
            failure(read_file(name.into(), None, &root)),
            format!(
                "{name:?} is not a regular file (a device, FIFO or socket); only regular files are read"
            )
        );
    }
}

/// INFO: through a symlink to `/`, a path that exists outside and one that does not get the
/// same answer.
#[test]
fn read_file_does_not_tell_whether_outside_paths_exist() {
    let (_dir, root_path) = folder();
    std::os::unix::fs::symlink("/", root_path.join("up")).unwrap();
    let root = FilesRoot::new(&root_path).unwrap();
    let answer = |path: &str| failure(read_file(path.into(), None, &root)).replace(path, "P");
    assert_eq!(answer("up/etc/passwd"), answer("up/no/such/file"));
    assert_eq!(
        answer("up/etc/passwd"),
        "\"P\" goes through a symbolic link, which this tool does not follow; give the path of the file itself"
    );
}

/// LOG-1 for read_file: a path comes back in an error escaped and cut to 300 characters, as
/// fetch_url's URLs do, however long the model made it.
#[test]
fn read_file_errors_escape_and_cut_long_paths() {
    let (_dir, root_path) = folder();
    let root = FilesRoot::new(&root_path).unwrap();
    let long = format!("{}\u{1b}[2J", "a/".repeat(2_500));
    for path in [long.clone(), format!("/{long}"), format!("../{long}")] {
        let text = failure(read_file(path.clone(), None, &root));
        assert!(!text.contains(char::is_control), "{text:?}");
        assert!(text.len() < 500, "{} bytes: {text}", text.len());
        assert!(text.contains(&format!("{}…\"", &path[..300])), "{text}");
    }
}

/// CSV-1: a megabyte of commas is refused by its column count, with a clear text.
#[test]
fn csv_summary_bounds_columns_and_output() {
    let commas = ",".repeat(1024 * 1024 - 10);
    assert_eq!(
        failure(parse_csv_summary(commas, CallContext::new())),
        "the header has 1048567 columns; send at most 200 (select the columns you need)"
    );
    // The most columns, with the longest names: the summary stays small.
    let name = "n".repeat(10_000);
    let header = vec![name.as_str(); 200].join(",");
    let row = vec!["1"; 200].join(",");
    let summary = parse_csv_summary(format!("{header}\n{row}\n"), CallContext::new()).unwrap();
    let size = serde_json::to_string(&summary).unwrap().len();
    assert!(size < 50_000, "{size} bytes");
}

/// INFO: a column of 1e308 has a finite mean, a number in JSON (not `null`).
#[test]
fn csv_summary_mean_stays_finite() {
    let summary =
        parse_csv_summary("big\n1e308\n1e308\n1e308\n".into(), CallContext::new()).unwrap();
    let value = serde_json::to_value(&summary).unwrap();
    assert_eq!(
        value["columns"][0]["numeric"],
        json!({"min": 1e308, "max": 1e308, "mean": 1e308})
    );
}
