"""The H5 storefront's pages (mobile-first stand-ins for the mini-program), one module per area."""
