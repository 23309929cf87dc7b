"""Full-text search: one tokenizer for both databases (``tokenizer``), the index kept in each
command's transaction (``index_writer``), ranked matching in SQL (``ranking``) and highlights
(``highlight``). Searching as a user may is :mod:`engine.runtime.record_search`."""

from engine.search.highlight import highlight
from engine.search.index_writer import SearchIndexWriter, field_text, search_index_table
from engine.search.ranking import MatchMode, ranked_records
from engine.search.tokenizer import QueryTerms, Term, document_tokens, query_terms

__all__ = [
    "SearchIndexWriter",
    "search_index_table",
    "field_text",
    "ranked_records",
    "MatchMode",
    "highlight",
    "QueryTerms",
    "Term",
    "document_tokens",
    "query_terms",
]
