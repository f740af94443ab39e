"""PDF documents (fpdf2): pure builders, plain data in, bytes out."""
