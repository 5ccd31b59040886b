//! Server side of API Upload: the streaming reader, the fields of each API (templates and
//! column matching), staging, dry run and apply through the APIs' own code, undo, the
//! error CSV and the HTTP routes.
pub mod api_call;
pub mod background;
pub mod columns;
pub mod page;
pub mod page_routes;
pub mod preview;
pub mod reader;
pub mod repo;
pub mod routes;
pub mod service;
