"""The copies notifications keeps from other services' events (read models): people, offices,
advisors, programme places and open cases, so that a message can be addressed and worded when
a later event names them by id only."""
