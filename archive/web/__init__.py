"""`archive serve`: the archive in a browser (server-rendered pages and a JSON API), through the same
library calls as the command line."""
