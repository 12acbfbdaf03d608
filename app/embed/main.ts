// The embed player (issue 6).
