//! The `halshop` command line, run as a separate process.

use std::process::{Command, Output};

use serde_json::Value;

use super::{MerchantCredentials, TestApp};

/// `halshop` with the given arguments.
pub fn halshop(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_halshop"));
    command.args(args);
    command
}

/// Runs `halshop args…` against `database_url`.
pub fn run_on(database_url: &str, args: &[&str]) -> Output {
    halshop(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("halshop runs")
}

/// Asserts success and parses stdout as one JSON object.
pub fn json_stdout(output: &Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON object")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The names of a JSON object's fields, in order.
pub fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// Registers a store of `merchant` with `halshop store create`; returns its token.
pub fn create_store(app: &TestApp, merchant: &MerchantCredentials, name: &str, san: &str) -> String {
    let args = [
        "store",
        "create",
        "--merchant",
        &merchant.app_key,
        "--san",
        san,
        "--name",
        name,
        "--json",
    ];
    let store = json_stdout(&run_on(&app.database_url, &args));
    store["token"].as_str().expect("store token").to_owned()
}
