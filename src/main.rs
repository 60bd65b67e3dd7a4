use clap::Parser;

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
