//! Compiles the small C++ shim that lists the entries of OpenCC's
//! dictionaries (see `src/analysis/opencc_lexicon.cpp`).

fn main() {
    println!("cargo:rerun-if-changed=src/analysis/opencc_lexicon.cpp");
    if std::env::var_os("DOCS_RS").is_some() {
        return;
    }
    let opencc = match pkg_config::Config::new().atleast_version("1.1").cargo_metadata(false).probe("opencc") {
        Ok(lib) => lib,
        Err(e) => {
            eprintln!("zhsearch needs OpenCC's development files; run `bash scripts/setup.sh`.\n{e}");
            std::process::exit(1);
        }
    };
    let mut build = cc::Build::new();
    build.cpp(true).std("c++14").warnings(false).file("src/analysis/opencc_lexicon.cpp");
    for dir in &opencc.include_paths {
        build.include(dir);
    }
    build.compile("zhsearch_opencc_lexicon");
    for dir in &opencc.link_paths {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
    for lib in &opencc.libs {
        println!("cargo:rustc-link-lib={lib}");
    }
}
