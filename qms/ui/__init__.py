"""Streamlit helpers shared by the pages: the only place below qms/ that imports streamlit."""
