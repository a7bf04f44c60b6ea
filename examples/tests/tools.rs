//! Each example tool against the real thing: the local HTTP server, a SQLite file, a folder of
//! files; bad inputs included.

use std::time::Duration;

use examples::Demo;
use examples::fixtures::{LocalServer, http_server};
use examples::tools::{
    Database, FilesRoot, HttpClient, fetch_url, greet_after_delay, parse_csv_summary, query_db,
    read_file,
};
use serde_json::json;
use tool_runtime::{CallContext, Toolbox};

fn failure(result: Result<impl std::fmt::Debug, impl std::fmt::Display>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn greet_waits_then_greets() {
    assert_eq!(
        greet_after_delay("  Ada ".into(), 10, &CallContext::new())
            .await
            .unwrap(),
        "Hello, Ada!"
    );
    assert_eq!(
        failure(greet_after_delay(" ".into(), 0, &CallContext::new()).await),
        "the name is empty; give the name of the person to greet"
    );
    assert_eq!(
        failure(greet_after_delay("Bo".into(), 20_000, &CallContext::new()).await),
        "a delay of 20000 ms is too long; ask for at most 10000 ms"
    );
    let demo = Demo::start().await.unwrap();
    let output = demo
        .toolbox
        .call("greet_after_delay", json!({"name": "Cy", "delay_ms": 3000}))
        .await;
    assert_eq!(
        output.text(),
        "greet_after_delay timed out after 1s. Try again with a smaller request, or do without it."
    );
}

#[tokio::test]
async fn fetch_reads_text_and_cuts_it_at_a_char_boundary() {
    let server = LocalServer::start().await.unwrap();
    let http = HttpClient::allowing([server.addr()]).unwrap();
    let cx = CallContext::new();
    assert_eq!(
        fetch_url(server.url("/hello"), None, &http, &cx)
            .await
            .unwrap(),
        "Hello from the local server!"
    );
    assert_eq!(
        fetch_url(server.url("/data.json"), None, &http, &cx)
            .await
            .unwrap(),
        r#"{"cities":["Lyon","Kyoto"],"count":2}"#
    );
    let article = http_server::article();
    let total = article.chars().count();
    let cut = fetch_url(server.url("/article"), Some(100), &http, &cx)
        .await
        .unwrap();
    let first: String = article.chars().take(100).collect();
    assert_eq!(
        cut,
        format!("{first}\n[cut: {} more characters not shown]", total - 100)
    );
    let whole = fetch_url(server.url("/article"), Some(100_000), &http, &cx)
        .await
        .unwrap();
    assert_eq!(whole, article);
}

#[tokio::test]
async fn fetch_reports_each_kind_of_failure() {
    let server = LocalServer::start().await.unwrap();
    // A port nobody listens on: bound, then released.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let http = HttpClient::allowing([server.addr(), closed]).unwrap();
    let cx = CallContext::new();
    let missing = server.url("/missing");
    assert_eq!(
        failure(fetch_url(missing.clone(), None, &http, &cx).await),
        format!("{missing} answered 404 Not Found")
    );
    let logo = server.url("/logo.png");
    assert_eq!(
        failure(fetch_url(logo.clone(), None, &http, &cx).await),
        format!("{logo} returned image/png, which is not text")
    );
    assert_eq!(
        failure(fetch_url("ftp://example.com/file".into(), None, &http, &cx).await),
        "only http and https URLs can be fetched, not ftp:"
    );
    assert_eq!(
        failure(fetch_url("example.com/page".into(), None, &http, &cx).await),
        "\"example.com/page\" is not a valid URL (relative URL without a base); give an absolute URL such as https://example.com/page"
    );
    assert_eq!(
        failure(fetch_url(server.url("/hello"), Some(0), &http, &cx).await),
        "max_chars must be between 1 and 100000, not 0"
    );

    // A refused connection reads like any other failure to connect: no port-scan oracle.
    assert_eq!(
        failure(fetch_url(format!("http://{closed}/"), None, &http, &cx).await),
        format!("could not fetch http://{closed}/: could not connect")
    );

    // The call's deadline bounds the request.
    let short =
        CallContext::new().with_deadline(tokio::time::Instant::now() + Duration::from_millis(300));
    let slow = server.url("/slow?ms=5000");
    assert_eq!(
        failure(fetch_url(slow.clone(), None, &http, &short).await),
        format!("could not fetch {slow}: the request timed out")
    );
}

/// Media types are case-insensitive (RFC 9110 §8.3.1): `TEXT/HTML` is text.
#[tokio::test]
async fn fetch_reads_a_content_type_written_in_capitals() {
    let server = LocalServer::start().await.unwrap();
    let http = HttpClient::allowing([server.addr()]).unwrap();
    assert_eq!(
        fetch_url(server.url("/shouting"), None, &http, &CallContext::new())
            .await
            .unwrap(),
        "<p>Hello from the local server!</p>"
    );
}

/// The client decompresses nothing: it asks for the page uncompressed, and a server that
/// compresses it all the same is refused rather than read as garbled text.
#[tokio::test]
async fn fetch_asks_for_uncompressed_pages_and_refuses_compressed_ones() {
    let server = LocalServer::start().await.unwrap();
    let http = HttpClient::allowing([server.addr()]).unwrap();
    let cx = CallContext::new();
    assert_eq!(
        fetch_url(server.url("/negotiated"), None, &http, &cx)
            .await
            .unwrap(),
        "Hello from the local server!"
    );
    let gzip = server.url("/gzip");
    assert_eq!(
        failure(fetch_url(gzip.clone(), None, &http, &cx).await),
        format!(
            "{gzip} came compressed (gzip), which this tool cannot read (it asks for pages \
             uncompressed); try another page with the same content"
        )
    );
}

#[tokio::test]
async fn fetch_tries_again_what_may_not_recur() {
    let server = LocalServer::start().await.unwrap();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let http = HttpClient::allowing([server.addr(), closed]).unwrap();
    let toolbox = Toolbox::builder()
        .tool(fetch_url::tool())
        .state(http)
        .build()
        .unwrap();
    let attempts = || toolbox.stats("fetch_url").unwrap().attempts;

    let busy = server.url("/busy");
    assert_eq!(
        toolbox.call("fetch_url", json!({"url": busy})).await.text(),
        format!("fetch_url failed: {busy} answered 503 Service Unavailable (after 3 attempts)")
    );
    assert_eq!(attempts(), 3);

    let refused = format!("http://{closed}/");
    assert_eq!(
        toolbox
            .call("fetch_url", json!({"url": refused}))
            .await
            .text(),
        format!(
            "fetch_url failed: could not fetch {refused}: could not connect (after 3 attempts)"
        )
    );
    assert_eq!(attempts(), 6);

    // A page that is not there will not be there on a second try.
    let missing = server.url("/missing");
    assert_eq!(
        toolbox
            .call("fetch_url", json!({"url": missing}))
            .await
            .text(),
        format!("fetch_url failed: {missing} answered 404 Not Found")
    );
    assert_eq!(attempts(), 7);
}

fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cities.sqlite");
    examples::fixtures::database::create(&path).unwrap();
    let db = Database::open_read_only(&path).unwrap();
    (dir, db)
}

#[tokio::test]
async fn query_returns_rows_as_json() {
    let (_dir, db) = database();
    let cx = CallContext::new();
    let result = query_db(
        "SELECT name, population, area_km2 FROM cities WHERE country = 'France' ORDER BY population DESC;".into(),
        None,
        &db,
        &cx,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        json!({
            "columns": ["name", "population", "area_km2"],
            "rows": [
                {"name": "Paris", "population": 2102650, "area_km2": 105.4},
                {"name": "Lyon", "population": 522250, "area_km2": null}
            ],
            "truncated": false
        })
    );
    let limited = query_db(
        "SELECT name FROM cities ORDER BY name".into(),
        Some(3),
        &db,
        &cx,
    )
    .unwrap();
    assert_eq!(limited.rows.len(), 3);
    assert!(limited.truncated);
    let counted = query_db(
        "WITH big AS (SELECT * FROM cities WHERE population > 10000000) SELECT count(*) AS n FROM big".into(),
        None,
        &db,
        &cx,
    )
    .unwrap();
    assert_eq!(counted.rows[0]["n"], json!(5));
}

#[tokio::test]
async fn query_refuses_writes_and_reports_sql_errors() {
    let (_dir, db) = database();
    let cx = CallContext::new();
    assert_eq!(
        failure(query_db("DELETE FROM cities".into(), None, &db, &cx)),
        "only reads are allowed: send one SELECT (or WITH ... SELECT) statement; this one would delete rows"
    );
    assert_eq!(
        failure(query_db("SELECT 1; SELECT 2".into(), None, &db, &cx)),
        "send one statement at a time; this SQL holds several"
    );
    assert_eq!(
        failure(query_db(
            "SELECT 1; DROP TABLE cities".into(),
            None,
            &db,
            &cx
        )),
        "only reads are allowed: send one SELECT (or WITH ... SELECT) statement; this one would delete rows"
    );
    // A write behind WITH is seen by SQLite's parser for what it is.
    assert_eq!(
        failure(query_db(
            "WITH x AS (SELECT 1) DELETE FROM cities".into(),
            None,
            &db,
            &cx
        )),
        "only reads are allowed: send one SELECT (or WITH ... SELECT) statement; this one would delete rows"
    );
    assert_eq!(
        failure(query_db("SELECT nope FROM cities".into(), None, &db, &cx)),
        "the database refused the query: no such column: nope"
    );
    assert_eq!(
        failure(query_db("SELECT 1".into(), Some(5000), &db, &cx)),
        "max_rows must be between 1 and 1000, not 5000"
    );
    let still = query_db("SELECT count(*) AS n FROM cities".into(), None, &db, &cx).unwrap();
    assert_eq!(still.rows[0]["n"], json!(8), "nothing was deleted");
}

/// SQL with no statement in it is answered as such, not as SQLite's "API misuse".
#[tokio::test]
async fn query_with_no_statement_asks_for_one() {
    let (_dir, db) = database();
    let cx = CallContext::new();
    for sql in ["", "   ", ";", "-- hi", "/* x */", "-- a\n/* b */ ;"] {
        assert_eq!(
            failure(query_db(sql.into(), None, &db, &cx)),
            "there is no statement to run: the SQL is empty or only comments; send one SELECT statement",
            "{sql:?}"
        );
    }
}

#[tokio::test]
async fn query_tries_again_while_a_writer_locks_the_database() {
    let (dir, db) = database();
    let writer = rusqlite::Connection::open(dir.path().join("cities.sqlite")).unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let toolbox = Toolbox::builder()
        .tool(query_db::tool())
        .state(db)
        .build()
        .unwrap();
    let count = json!({"sql": "SELECT count(*) AS n FROM cities"});
    assert_eq!(
        toolbox.call("query_db", count.clone()).await.text(),
        "query_db failed: the database refused the query: database is locked (after 3 attempts)"
    );
    assert_eq!(toolbox.stats("query_db").unwrap().attempts, 3);
    writer.execute_batch("COMMIT").unwrap();
    assert_eq!(
        toolbox.call("query_db", count).await.text(),
        r#"{"columns":["n"],"rows":[{"n":8}],"truncated":false}"#
    );
}

fn files() -> (tempfile::TempDir, FilesRoot) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    examples::fixtures::files::create(&root).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
    std::fs::write(root.join("accents.txt"), "aé".repeat(10)).unwrap();
    let root = FilesRoot::new(&root).unwrap();
    (dir, root)
}

#[tokio::test]
async fn read_file_reads_inside_its_folder() {
    let (_dir, root) = files();
    assert_eq!(
        read_file("notes/todo.txt".into(), None, &root).unwrap(),
        "1. Ship the tool runtime.\n2. Write the agent loop.\n"
    );
    assert_eq!(
        read_file("./data/../data/cities.csv".into(), None, &root).err().map(|e| e.to_string()),
        Some("\"./data/../data/cities.csv\" is not allowed: it contains `..`; give a path inside the folder".into())
    );
    // 30 bytes of "aéaé…": a limit of 4 falls inside the second é, which is dropped whole.
    assert_eq!(
        read_file("accents.txt".into(), Some(4), &root).unwrap(),
        "aéa\n[cut: showing 4 of 30 bytes; ask for more with max_bytes]"
    );
}

#[tokio::test]
async fn read_file_refuses_escapes_and_reports_bad_files() {
    let (_dir, root) = files();
    for (path, expected) in [
        (
            "../secret.txt",
            "\"../secret.txt\" is not allowed: it contains `..`; give a path inside the folder",
        ),
        (
            "/etc/passwd",
            "\"/etc/passwd\" is not allowed: it is absolute; give a path relative to the folder",
        ),
        ("", "\"\" is not allowed: the path is empty"),
        (
            "link.txt",
            "\"link.txt\" goes through a symbolic link, which this tool does not follow; give the path of the file itself",
        ),
        (
            "nope.txt",
            "there is no file at \"nope.txt\"; check the name and the folder",
        ),
        ("notes", "\"notes\" is a folder, not a file"),
        (
            "latin1.txt",
            "\"latin1.txt\" is not UTF-8 text: the byte at offset 3 is invalid",
        ),
    ] {
        assert_eq!(
            failure(read_file(path.into(), None, &root)),
            expected,
            "{path}"
        );
    }
    assert_eq!(
        failure(read_file("notes/todo.txt".into(), Some(0), &root)),
        "max_bytes must be between 1 and 1048576, not 0"
    );
}

#[tokio::test]
async fn csv_summary_counts_and_measures() {
    let summary = parse_csv_summary(
        examples::fixtures::files::CITIES_CSV.into(),
        CallContext::new(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&summary).unwrap(),
        json!({
            "rows": 4,
            "columns": [
                {"name": "name", "empty": 0, "numeric": null},
                {"name": "country", "empty": 0, "numeric": null},
                {"name": "population", "empty": 0, "numeric": {"min": 522250.0, "max": 16787941.0, "mean": 8343210.25}},
                {"name": "area_km2", "empty": 1, "numeric": {"min": 105.4, "max": 2194.0, "mean": (2194.0 + 1484.0 + 105.4) / 3.0}}
            ]
        })
    );
    assert_eq!(
        failure(parse_csv_summary("a,b\n1,2,3\n".into(), CallContext::new())),
        "the CSV is malformed: CSV error: record 1 (line: 2, byte: 4): found record with 3 fields, but the previous record has 2 fields"
    );
    assert_eq!(
        failure(parse_csv_summary(String::new(), CallContext::new())),
        "the text is empty; send CSV with a header row"
    );
}

#[tokio::test]
async fn csv_summary_stops_when_cancelled() {
    let text = format!("n\n{}", "1\n".repeat(50_000));
    let token = tool_runtime::CancellationToken::new();
    let cx = CallContext::new().with_cancellation(token.clone());
    token.cancel();
    assert_eq!(
        failure(parse_csv_summary(text, cx)),
        "stopped: the call ran out of time"
    );
}

#[tokio::test]
async fn greet_after_delay_reports_the_time_waited() {
    use std::sync::{Arc, Mutex};
    use tool_runtime::{OnProgress, Progress};

    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = OnProgress::new({
        let seen = seen.clone();
        move |report: Progress| seen.lock().unwrap().push((report.done, report.total))
    });
    let cx = CallContext::new().with_progress(listener);
    greet_after_delay("Ada".into(), 250, &cx).await.unwrap();
    let total = Some(250.0);
    assert_eq!(
        *seen.lock().unwrap(),
        [(100.0, total), (200.0, total), (250.0, total)]
    );
}
