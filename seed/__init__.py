"""The demo data set: shops, consumers, orders, a merchant history and demo users (`seed.demo.seed_demo`)."""
