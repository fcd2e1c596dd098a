package tokenserver

// Waiting is how many requests wait for a fetch under way.
func (s *Server) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}
