//! The `texgrad` command-line tool, run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn texgrad(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_texgrad")).args(arguments).output().expect("the texgrad binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

#[test]
fn parse_prints_canonical_latex_and_sexpr() {
    let output = texgrad(&["parse", r"f(x)=\frac{1}{1+e^{-x}}"]);
    assert!(output.status.success());
    assert_eq!(text(&output.stdout), "f(x) = \\frac{1}{1 + e^{-x}}\n(= (head f x) (/ 1 (+ 1 (^ e (neg x)))))\n");
    assert!(output.stderr.is_empty());
}

#[test]
fn parse_accepts_a_formula_starting_with_a_minus() {
    let output = texgrad(&["parse", r"-\sum_i y_i \log \hat{y}_i"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).ends_with("(neg (sum i (* y[i] (ln y_hat[i]))))\n"));
}

#[test]
fn parse_refusal_is_one_rendered_error_on_stderr_with_exit_code_2() {
    let output = texgrad(&["parse", "x^10 + 1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: column 3: `^10` is ambiguous"), "{stderr}");
    assert!(stderr.contains("\n  x^10 + 1\n    ^^\n"), "{stderr}");
    assert!(stderr.contains("help: write ^{10}"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn hostile_input_is_refused_without_a_crash() {
    // 200 kB is past the operating system's limit for one argument: send it on standard input.
    let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    let mut child = Command::new(env!("CARGO_BIN_EXE_texgrad"))
        .args(["parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the texgrad binary runs");
    child.stdin.take().expect("stdin").write_all(deep.as_bytes()).expect("write the formula");
    let output = child.wait_with_output().expect("texgrad ends");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("nested deeper than"));
}

#[test]
fn main_job_prints_the_notes_and_passes_its_self_check() {
    let output = texgrad(&[]);
    assert!(output.status.success(), "{}", text(&output.stdout));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("(= (head f x) (/ 1 (+ 1 (^ e (neg x)))))"), "{stdout}");
    assert!(stdout.contains("self-check: 15 of 15 formulas"), "{stdout}");
}
