//! The news layer's context from every embedded dataset (`lodestone_news::datasets`).

/// The news context from every embedded dataset (built-in aliases are merged in).
pub fn context() -> lodestone_news::Context {
    lodestone_news::datasets::context_of(&lodestone_data::datasets())
}
