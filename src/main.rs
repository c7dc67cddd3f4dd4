fn main() -> std::process::ExitCode {
    news_ingest::cli::main()
}
