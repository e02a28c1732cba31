"""Operations reliability: backups at three levels, restore drills with a measured RTO, monitoring."""
