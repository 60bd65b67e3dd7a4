// The whole middleware stack is one nested future type; computing its layout in a release
// build goes deeper than the default limit.
#![recursion_limit = "256"]

/// A thread-caching allocator: a request allocates and frees many small buffers (headers,
/// JSON, rows), and the system allocator spends a fifth of a request's time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = halshop::config::Cli::from_args();
    match halshop::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("halshop: {}", halshop::preflight::one_line(&err));
            std::process::ExitCode::FAILURE
        }
    }
}
