"""Value features: renewals, activation and engagement, and the BG/NBD model fits for CLV."""
