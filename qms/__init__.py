"""QMS Audit Assistant: the domain layer (no Streamlit below this package except qms.ui)."""
