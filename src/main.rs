/// A thread-caching allocator: a request allocates and frees many small buffers (headers,
/// JSON, rows), and the system allocator spends a fifth of a request's time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    halshop::cli::main()
}
