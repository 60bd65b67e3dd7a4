// The whole middleware stack is one nested future type; computing its layout in a release
// build goes deeper than the default limit.
#![recursion_limit = "256"]

use clap::Parser;

/// A thread-caching allocator: a request allocates and frees many small buffers (headers,
/// JSON, rows), and the system allocator spends a fifth of a request's time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = halshop::config::Cli::parse();
    match halshop::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("halshop: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
