"""Floating population: people away and people arrived, 四个一, the 婚育证明, verification requests and notices exchanged with other deployments."""
