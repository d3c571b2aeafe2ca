DROP TABLE users;
DROP TABLE organisations;
