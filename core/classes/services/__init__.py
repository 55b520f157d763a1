"""Class services, by topic: schedules (create, edit), materialise (schedule →
sessions), sessions (materialise job, reschedule, cancel, instructor,
capacity, review), bookings (book, cancel), waitlist (promotion, release),
attendance (attended / no-show)."""
