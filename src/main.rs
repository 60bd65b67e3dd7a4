// The whole middleware stack is one nested future type; computing its layout in a release
// build goes deeper than the default limit.
#![recursion_limit = "256"]

/// A thread-caching allocator: a request allocates and frees many small buffers (headers,
/// JSON, rows), and the system allocator spends a fifth of a request's time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = halshop::config::Cli::from_args();
    // An unoptimised build keeps a request's whole chain of futures on the stack: 8 MiB
    // worker stacks leave it room (an optimised build needs far less).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("halshop: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(halshop::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("halshop: {}", halshop::preflight::one_line(&err));
            std::process::ExitCode::FAILURE
        }
    }
}
