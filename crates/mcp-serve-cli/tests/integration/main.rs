//! The `mcp-serve` command's integration tests in one test binary (one link
//! instead of three): the command against example and official servers
//! (`cli`), the `dev` inspector's API (`dev`) and `install` (`install`).

mod cli;
mod dev;
mod gateway;
mod install;
